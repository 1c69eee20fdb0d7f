// Every diagnostic code, with the exact line and column it points at.
import { describe, expect, it } from 'vitest';
import { codes, parse } from './parser.js';

/** A one-workflow file whose decorator is on line 2: `@workflow(<args>)`; columns count from the `@`. */
function decorated(args: string): string {
  return `from plue import *\n@workflow(${args})\ndef build(ctx):\n    pass\n`;
}

describe('diagnostics', () => {
  it.each([
    // unknown-event
    ['unknown event string', decorated('on="pushh"'), ['unknown-event 2:14']],
    ['unknown event in a list', decorated('on=["push", "issues"]'), ['unknown-event 2:23']],
    ['GitHub event name', decorated('on="workflow_dispatch"'), ['unknown-event 2:14']],
    // unknown-trigger
    ['unknown call', decorated('on=[pushh()]'), ['unknown-trigger 2:15']],
    ['call through another module', decorated('on=os.push()'), ['unknown-trigger 2:14']],
    ['workflow() is not a trigger', decorated('on=workflow()'), ['unknown-trigger 2:14']],
    // unknown-keyword
    ['unknown workflow option', decorated('on="push", nme="x"'), ['unknown-keyword 2:22']],
    ['unknown push option', decorated('on=push(branch="main")'), ['unknown-keyword 2:19']],
    ['pull_request has no tags', decorated('on=pull_request(tags="v1")'), ['unknown-keyword 2:27']],
    ['chat takes no options', decorated('on=chat(x=1)'), ['unknown-keyword 2:19']],
    // duplicate-keyword
    ['option twice', decorated('on="push", name="a", name="b"'), ['duplicate-keyword 2:32']],
    ['on and triggers', decorated('triggers="chat", on="push"'), ['duplicate-keyword 2:28']],
    ['trigger option twice', decorated('on=push(tags="a", tags="b")'), ['duplicate-keyword 2:29']],
    // positional-argument
    ['positional decorator argument', decorated('"CI", on="push"'), ['positional-argument 2:11']],
    ['positional trigger argument', decorated('on=schedule("0 3 * * *")'), ['bad-cron 2:14', 'positional-argument 2:23']],
    ['argument to dispatch()', decorated('on=dispatch(1)'), ['positional-argument 2:23']],
    // wrong-type
    ['name not a string', decorated('on="push", name=3'), ['wrong-type 2:27']],
    ['empty name', decorated('on="push", name=" "'), ['wrong-type 2:27']],
    ['agent not a bool', decorated('on="push", agent=1'), ['wrong-type 2:28']],
    ['cancel_in_progress not a bool', decorated('on="push", cancel_in_progress="yes"'), ['wrong-type 2:41']],
    ['runs_on item not a string', decorated('on="push", runs_on=["a", 2]'), ['wrong-type 2:36']],
    ['runs_on empty label', decorated('on="push", runs_on=""'), ['wrong-type 2:30']],
    ['concurrency not a string', decorated('on="push", concurrency=["a"]'), ['wrong-type 2:34']],
    ['on is a dict', decorated('on={"push": 1}'), ['wrong-type 2:14']],
    ['on item is a number', decorated('on=["push", 3]'), ['wrong-type 2:23']],
    ['bytes instead of a string', decorated('on=b"push"'), ['wrong-type 2:14']],
    ['branches not strings', decorated('on=push(branches=[1])'), ['wrong-type 2:29']],
    ['branches empty', decorated('on=push(branches=[])'), ['wrong-type 2:28']],
    ['types empty', decorated('on=issue(types=[])'), ['wrong-type 2:26']],
    ['inputs not a dict', decorated('on=manual(inputs=["a"])'), ['wrong-type 2:28']],
    ['input default of the wrong type', decorated('on=manual(inputs={"n": {"type": "number", "default": "1"}})'), ['wrong-type 2:64']],
    ['boolean default not a bool', decorated('on=manual(inputs={"b": {"type": "boolean", "default": 0}})'), ['wrong-type 2:65']],
    ['required not a bool', decorated('on=manual(inputs={"b": {"required": "yes"}})'), ['wrong-type 2:47']],
    ['description not a string', decorated('on=manual(inputs={"b": {"description": 1}})'), ['wrong-type 2:50']],
    // non-static
    ['f-string', decorated('on="push", name=f"x{y}"'), ['non-static 2:27']],
    ['attribute', decorated('on="push", name=os.name'), ['non-static 2:27']],
    ['arithmetic', decorated('on="push", name="a" + "b"'), ['non-static 2:27']],
    ['other call', decorated('on="push", name=str(1)'), ['non-static 2:27']],
    ['other call as an input spec', decorated('on=manual(inputs={"a": spec()})'), ['non-static 2:34']],
    ['comprehension', decorated('on=[x for x in "a"]'), ['non-static 2:14']],
    ['subscript', decorated('on=ALL[0]'), ['non-static 2:14']],
    ['**kwargs', decorated('on="push", **OPTIONS'), ['non-static 2:22']],
    ['*args in a list', decorated('on=["push", *MORE]'), ['non-static 2:23']],
    ['uncalled trigger', decorated('on=push'), ['non-static 2:14']],
    ['undefined name', decorated('on=TRIGGERS'), ['non-static 2:14']],
    ['complex number', decorated('on=manual(inputs={"n": {"type": "number", "default": 1j}})'), ['non-static 2:64']],
    ['set', decorated('on={"push"}'), ['non-static 2:14']],
    ['named escape', decorated('on="push", name="\\N{BULLET}"'), ['non-static 2:27']],
    ['name assigned twice', `ON = "push"\nON = "chat"\n${decorated('on=ON')}`, ['non-static 4:14']],
    ['name assigned after use', `${decorated('on=ON')}ON = "push"\n`, ['non-static 2:14']],
    ['name rebound with +=', `ON = ["push"]\nON += ["chat"]\n${decorated('on=ON')}`, ['non-static 4:14']],
    ['name bound by import', `from x import ON\n${decorated('on=ON')}`, ['non-static 3:14']],
    ['name bound by a for loop', `for ON in []: pass\n${decorated('on=ON')}`, ['non-static 3:14']],
    ['name bound by def', `def ON(): pass\n${decorated('on=ON')}`, ['non-static 3:14']],
    ['name assigned in an if block', `if x:\n    ON = "push"\n${decorated('on=ON')}`, ['non-static 4:14']],
    ['name assigned twice on one line', `ON = "push"; ON = "chat"\n${decorated('on=ON')}`, ['non-static 3:14']],
    ['name assigned twice with decoys', `# ON is set below\nCONFIG = 1\nON = "push"\nDONE = ON\nON = "chat"\n${decorated('on=ON')}`, ['non-static 7:14']],
    ['name unpacked', `ON, OFF = "push", "chat"\n${decorated('on=ON')}`, ['non-static 3:14']],
    ['non-static value inside a constant', `ON = [f"{x}"]\n${decorated('on=ON')}`, ['non-static 1:7']],
    ['constant used twice reports once', `ON = ["push", f"{x}"]\n${decorated('on=ON')}${decorated('on=ON').replace('def build', 'def build_again')}`, ['non-static 1:15']],
    // duplicate-function
    ['two workflows on one function', '@workflow(on="push", name="a")\n@workflow(on="chat", name="b")\ndef f(): pass\n', ['duplicate-function 2:1']],
    ['two defs of one name', `${decorated('on="push", name="a"')}${decorated('on="chat", name="b"')}`, ['duplicate-function 6:1']],
    // conflicting-filters
    ['branches with branches_ignore', decorated('on=push(branches_ignore="a", branches="b")'), ['conflicting-filters 2:19']],
    ['tags with tags_ignore', decorated('on=push(tags="a", tags_ignore="b")'), ['conflicting-filters 2:29']],
    ['paths with paths_ignore', decorated('on=pull_request(paths="a", paths_ignore="b")'), ['conflicting-filters 2:38']],
    // bad-glob
    ['empty pattern', decorated('on=push(branches="")'), ['bad-glob 2:28']],
    ['lone !', decorated('on=push(tags=["v*", "!"])'), ['bad-glob 2:32']],
    ['unclosed [', decorated('on=push(branches="[ab")'), ['bad-glob 2:29']],
    ['trailing backslash', decorated('on=push(paths="a\\\\")'), ['bad-glob 2:27']],
    ['path with a leading slash', decorated('on=push(paths_ignore="/docs")'), ['bad-glob 2:33']],
    ['+ with nothing to repeat', decorated('on=push(branches="+x")'), ['bad-glob 2:29']],
    ['bad glob after an escape', decorated('on=push(branches="\\ta\\u00e9[")'), ['bad-glob 2:38']],
    ['bad glob after an astral character', decorated('on=push(branches="😀x[")'), ['bad-glob 2:32']],
    ['bad glob in a raw string', decorated('on=push(branches=r"\\d[")'), ['bad-glob 2:32']],
    ['bad glob in a concatenated string', decorated('on=push(branches="ab" "c[")'), ['bad-glob 2:35']],
    ['bad glob in a triple-quoted string', decorated('on=push(branches="""a\nb[""")'), ['bad-glob 3:2']],
    ['bad glob in a constant', `P = "x?+"\n${decorated('on=push(branches=P)')}`, ['bad-glob 1:8']],
    ['bad glob in a triple-quoted string, CRLF', decorated('on=push(branches="""a\nbc[""")').replaceAll('\n', '\r\n'), ['bad-glob 3:3']],
    // bad-ref-pattern
    ['space in a branch', decorated('on=push(branches="my branch")'), ['bad-ref-pattern 2:31']],
    ['newline in a branch', decorated('on=push(branches="main\\n")'), ['bad-ref-pattern 2:33']],
    ['colon in a tag', decorated('on=push(tags="v1:2")'), ['bad-ref-pattern 2:27']],
    ['tilde and caret in a branch', decorated('on=push(branches=["a~1", "b^2"])'), ['bad-ref-pattern 2:31', 'bad-ref-pattern 2:38']],
    ['escaped star in a branch', decorated('on=push(branches="a\\\\*")'), ['bad-ref-pattern 2:32']],
    ['leading slash in a branch', decorated('on=push(branches="/main")'), ['bad-ref-pattern 2:29']],
    ['trailing slash in a branch', decorated('on=pull_request(branches="release/")'), ['bad-ref-pattern 2:44']],
    ['trailing dot in a tag', decorated('on=push(tags="v1.")'), ['bad-ref-pattern 2:27']],
    ['negated trailing slash', decorated('on=push(branches=["**", "!old/"])'), ['bad-ref-pattern 2:40']],
    // bad-path-pattern, path-whitespace
    ['./ in a path', decorated('on=push(paths="./src/**")'), ['bad-path-pattern 2:26']],
    ['.. in a path', decorated('on=push(paths_ignore="docs/../x")'), ['bad-path-pattern 2:38']],
    ['lone . path', decorated('on=push(paths=".")'), ['bad-path-pattern 2:26']],
    ['space in a path is fine', decorated('on=push(paths="my docs/**")'), []],
    ['trailing space in a path', decorated('on=push(paths="docs/** ")'), ['path-whitespace 2:33']],
    ['leading space in a path', decorated('on=push(paths=[" docs/**"])'), ['path-whitespace 2:27']],
    // regex-escape, single-character-set
    ['\\d in a tag', decorated('on=push(tags=r"v\\d+")'), ['regex-escape 2:27']],
    ['\\w in a path', decorated('on=push(paths="src/\\\\w*.py")'), ['regex-escape 2:30']],
    ['escaped dot is fine', decorated('on=push(tags=r"v1\\.0")'), []],
    ['[x] in a branch', decorated('on=push(branches="[r]elease")'), ['single-character-set 2:29']],
    ['[xy] is fine', decorated('on=push(branches="[rR]elease")'), []],
    // bad-cron
    ['"schedule" string', decorated('on="schedule"'), ['bad-cron 2:14']],
    ['schedule without cron', decorated('on=schedule()'), ['bad-cron 2:14']],
    ['cron with 4 fields', decorated('on=schedule(cron="0 3 * *")'), ['bad-cron 2:28']],
    ['minute out of range', decorated('on=schedule(cron="60 * * * *")'), ['bad-cron 2:28']],
    ['cron not a string', decorated('on=schedule(cron=5)'), ['wrong-type 2:28']],
    ['seconds field', decorated('on=schedule(cron="0 0 3 * * *")'), ['bad-cron 2:28']],
    ['a macro', decorated('on=schedule(cron="@daily")'), ['bad-cron 2:28']],
    // bad-timezone
    ['unknown time zone', decorated('on=schedule(cron="0 3 * * *", timezone="Europe/Berlln")'), ['bad-timezone 2:50']],
    ['a UTC offset', decorated('on=schedule(cron="0 3 * * *", timezone="+02:00")'), ['bad-timezone 2:50']],
    ['bad cron and zone', decorated('on=schedule(cron="0 25 * * *", timezone="Nowhere")'), ['bad-cron 2:28', 'bad-timezone 2:51']],
    ['time zone not a string', decorated('on=schedule(cron="0 3 * * *", timezone=1)'), ['wrong-type 2:50']],
    // unknown-type
    ['pull request type', decorated('on=pull_request(types=["opened", "merged"])'), ['unknown-type 2:44']],
    ['issue type', decorated('on=issue(types="comment")'), ['unknown-type 2:26']],
    // bad-input
    ['input name with a space', decorated('on=manual(inputs={"my input": {}})'), ['bad-input 2:29']],
    ['input name not a string', decorated('on=manual(inputs={1: {}})'), ['bad-input 2:29']],
    ['input spec not a dict', decorated('on=manual(inputs={"a": "string"})'), ['bad-input 2:34']],
    ['unknown input key', decorated('on=manual(inputs={"a": {"typ": "string"}})'), ['bad-input 2:35']],
    ['unknown input type', decorated('on=manual(inputs={"a": {"type": "int"}})'), ['bad-input 2:43']],
    ['options on a string input', decorated('on=manual(inputs={"a": {"options": ["x"]}})'), ['bad-input 2:46']],
    ['input defined twice', decorated('on=manual(inputs={"a": {}, "a": {}})'), ['bad-input 2:38']],
    ['input key twice', decorated('on=manual(inputs={"a": {"type": "string", "type": "number"}})'), ['bad-input 2:53']],
    ['input named __proto__', decorated('on=manual(inputs={"__proto__": {}})'), ['bad-input 2:29']],
    // choice-without-options, default-not-in-options
    ['choice without options', decorated('on=manual(inputs={"a": {"type": "choice"}})'), ['choice-without-options 2:34']],
    ['choice with empty options', decorated('on=manual(inputs={"a": {"type": "choice", "options": []}})'), ['choice-without-options 2:64']],
    ['default not in options', decorated('on=manual(inputs={"a": {"type": "choice", "options": ["x"], "default": "y"}})'), ['default-not-in-options 2:82']],
    // bad-concurrency
    ['unknown placeholder', decorated('on="push", concurrency="{branch}"'), ['bad-concurrency 2:34']],
    ['unclosed placeholder', decorated('on="push", concurrency="a-{ref"'), ['bad-concurrency 2:34']],
    ['empty concurrency group', decorated('on="push", concurrency=""'), ['bad-concurrency 2:34']],
    // no-triggers
    ['no on', decorated('name="x"'), ['no-triggers 2:1']],
    ['empty on list', decorated('on=[]'), ['no-triggers 2:14']],
    ['bare @workflow', '@workflow\ndef f(): pass\n', ['no-triggers 1:1']],
    // workflow_run
    ['"workflow_run" string', decorated('on="workflow_run"'), ['wrong-type 2:14']],
    ['workflow_run without workflows', decorated('on=workflow_run()'), ['wrong-type 2:14']],
    ['workflow_run with no workflows', decorated('on=workflow_run(workflows=[])'), ['wrong-type 2:37']],
    ['workflow_run empty workflow name', decorated('on=workflow_run(workflows=["CI", ""])'), ['wrong-type 2:44']],
    ['workflow_run workflows not strings', decorated('on=workflow_run(workflows=[1])'), ['wrong-type 2:38']],
    ['workflow_run unknown option', decorated('on=workflow_run(workflows="CI", branch="main")'), ['unknown-keyword 2:43']],
    ['workflow_run unknown type', decorated('on=workflow_run(workflows="CI", types="complete")'), ['unknown-type 2:49']],
    ['workflow_run unknown conclusion', decorated('on=workflow_run(workflows="CI", conclusions=["success", "failed"])'), ['unknown-type 2:67']],
    ['workflow_run bad branch pattern', decorated('on=workflow_run(workflows="CI", branches="a b")'), ['bad-ref-pattern 2:54']],
    ['workflow_run both branch filters', decorated('on=workflow_run(workflows="CI", branches="a", branches_ignore="b")'), ['conflicting-filters 2:57']],
    ['workflow_run no tags', decorated('on=workflow_run(workflows="CI", tags="v*")'), ['unknown-keyword 2:43']],
    // follows-itself
    ['following its own name', decorated('name="CI", on=workflow_run(workflows=["Lint", "CI"])'), ['follows-itself 2:57']],
    ['following its default name (the file stem)', decorated('on=workflow_run(workflows="example")'), ['follows-itself 2:37']],
    ['following its function name is another workflow', decorated('on=workflow_run(workflows="build")'), []],
    // duplicate-trigger
    ['same trigger twice', decorated('on=["chat", chat()]'), ['duplicate-trigger 2:23']],
    ['same filters twice', decorated('on=[push(tags="v*"), push(tags=["v*"])]'), ['duplicate-trigger 2:32']],
    ['two manual triggers', decorated('on=["manual", manual(inputs={"a": {}})]'), ['duplicate-trigger 2:25']],
    // misplaced-workflow
    ['workflow on a class', '@workflow(on="push")\nclass Build: pass\n', ['misplaced-workflow 1:1']],
    ['workflow inside try', 'try:\n    @workflow(on="push")\n    def f(): pass\nexcept Exception:\n    pass\n', ['misplaced-workflow 2:5']],
    ['workflow method', 'class K:\n    @workflow(on="push")\n    def f(self): pass\n', ['misplaced-workflow 2:5']],
    ['workflow in an else block', 'if a:\n    pass\nelse:\n    @plue.workflow(on="push")\n    def f(): pass\n', ['misplaced-workflow 4:5']],
    // no-workflows
    ['empty file', '', ['no-workflows 1:1']],
    ['helpers only', 'import os\n\ndef helper():\n    return os.name\n', ['no-workflows 1:1']],
    // syntax-error, missing-token
    ['unclosed bracket', decorated('on=["push"'), ['missing-token 2:21']],
    ['unclosed bracket over lines', '@workflow(on=["push",\ndef f(): pass\n', ['syntax-error 1:14']],
    ['missing identifier', '@workflow(on="push")\ndef f(ctx):\n    for x in:\n        pass\n', ['missing-token 3:13']],
    ['stray token', '@workflow(on="push")\ndef f(ctx):\n    return [1, 2 3]\n', ['syntax-error 3:18']],
    ['NUL bytes', '\0\0@workflow(on="push")\ndef f(): pass\n', ['syntax-error 1:1']],
  ])('%s', (_name, source, expected) => {
    expect(codes(parse(source))).toEqual(expected);
  });

  it('names what is missing and suggests fixes', () => {
    const messages = (source: string) => parse(source).diagnostics.map((d) => d.message);
    expect(messages(decorated('on="pul_request"'))).toEqual(['`pul_request` is not an event. Did you mean `pull_request`?']);
    expect(messages(decorated('on="workflow_dispatch"'))).toEqual(['`workflow_dispatch` is not an event. Did you mean `manual`?']);
    expect(messages(decorated('on="xyz"'))).toEqual([
      '`xyz` is not an event. The events are `push`, `pull_request`, `issue`, `chat`, `manual` and `dispatch`.',
    ]);
    expect(messages(decorated('on=push(brnches="a")'))).toEqual(['`push()` has no option `brnches`. Did you mean `branches`?']);
    expect(messages(decorated('on=chat(x=1)'))).toEqual(['`chat()` takes no arguments.']);
    expect(messages(decorated('on="push", agent="yes"'))).toEqual(['`agent` must be a bool (`True` or `False`), got a string.']);
    expect(messages('def f(:\n  pass\n')).toEqual(['Syntax error: missing `)`.']);
    expect(messages(`ON = 1\nON = 2\n${decorated('on=ON')}`)).toEqual([
      '`ON` is bound 2 times at module level (lines 1, 2); a constant must be assigned exactly once.',
    ]);
    expect(messages(decorated('on="push", runs_on=ENV.get("X")'))).toEqual([
      '`ENV.get()` is a function call, which needs running Python; workflow options must be literals or module-level constants.',
    ]);
    expect(messages(decorated('on=issue(types="comment")'))).toEqual(['`comment` is not an issue activity type. Did you mean `commented`?']);
  });

  it('reports columns in characters, not bytes', () => {
    const source = '# é😀\n@workflow(name="é😀", on="pushh")\ndef f(): pass\n';
    expect(codes(parse(source))).toEqual(['unknown-event 2:26']);
    expect(codes(parse(new TextEncoder().encode(source)))).toEqual(['unknown-event 2:26']);
  });

  it('caps syntax diagnostics at 20 and sums up the rest', () => {
    const source = Array.from({ length: 30 }, () => 'x = (1 +)\n').join('');
    const file = parse(source);
    expect(file.diagnostics).toHaveLength(21);
    expect(file.diagnostics[20]).toMatchObject({ code: 'syntax-error', line: 21, message: '…and 10 more syntax errors from here on.' });
  });
});

describe('file-level problems', () => {
  it('reports invalid UTF-8 at the first bad byte', () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('# ok\nx = "é'), 0xe9, 0x22, 0x0a]);
    const file = parse(bytes);
    expect(file.workflows).toEqual([]);
    expect(file.diagnostics).toEqual([{
      severity: 'error', code: 'not-utf8', line: 2, column: 7,
      message: 'The file is not valid UTF-8 (byte 0xE9 here); save it as UTF-8.',
    }]);
  });

  it.each([
    ['a truncated sequence at the end', [0x61, 0xe2, 0x82], 2],
    ['an overlong encoding', [0x61, 0xc0, 0xaf], 2],
    ['an encoded surrogate', [0x0a, 0x61, 0xed, 0xa0, 0x80], 2],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 1],
  ])('finds %s', (_name, bytes, column) => {
    const [diagnostic] = parse(new Uint8Array(bytes)).diagnostics;
    expect(diagnostic).toMatchObject({ code: 'not-utf8', column });
  });

  it('does not parse files over the size limit', () => {
    const source = `${'# padding\n'.repeat(30)}@workflow(on="push")\ndef f(): pass\n`;
    expect(parse(source, { maxBytes: 100 })).toEqual({
      path: '.plue/workflows/example.py',
      workflows: [],
      diagnostics: [{
        severity: 'error', code: 'file-too-large', line: 1, column: 1,
        message: `The file is ${source.length} bytes; workflow files may be at most 100 bytes. Move code into a module outside .plue/workflows/.`,
      }],
    });
    expect(codes(parse(source, { maxBytes: source.length }))).toEqual([]);
    expect(codes(parse(new TextEncoder().encode(source), { maxBytes: source.length - 1 }))).toEqual(['file-too-large 1:1']);
  });

  it('counts the size of string content in UTF-8 bytes', () => {
    const source = `# ${'é'.repeat(60)}\n@workflow(on="push")\ndef f(): pass\n`;
    expect(codes(parse(source, { maxBytes: source.length + 30 }))).toEqual(['file-too-large 1:1']);
  });
});
