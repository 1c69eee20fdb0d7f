"""What workflow files import: ``from plue import workflow, push``.

The service never runs workflow files; it reads the ``@workflow(...)`` decorators statically. When a runner runs
a workflow, the decorator and the trigger constructors below are no-ops that only record their arguments, and the
decorated function receives a ``Context`` (``ctx``) built by the runner.
"""

import asyncio
import contextvars
import inspect
import os
import sysconfig
import time
import traceback

__all__ = [
    "workflow", "push", "pull_request", "issue", "chat", "manual", "dispatch", "schedule", "workflow_run",
    "Context", "RunResult", "DispatchedRun", "Handoff", "CommandFailed", "StepFailed", "DispatchFailed", "HandoffFailed",
    "WaitFailed",
]


def workflow(name=None, on=None, triggers=None, **options):
    """Marks a workflow function. Also accepted bare (``@workflow``)."""
    if callable(name) and on is None and triggers is None and not options:
        name.__plue_workflow__ = {"name": name.__name__}
        return name

    def decorate(fn):
        fn.__plue_workflow__ = dict(options, name=name, on=on, triggers=triggers)
        return fn

    return decorate


class Trigger(dict):
    """A trigger as written in ``on=[...]``: its event name and options."""

    def __init__(self, event, **options):
        super().__init__(event=event, **options)
        self.event = event


def _trigger(event):
    def make(*args, **options):
        return Trigger(event, **options) if not args else Trigger(event, args=list(args), **options)

    make.__name__ = event
    return make


push = _trigger("push")
pull_request = _trigger("pull_request")
issue = _trigger("issue")
chat = _trigger("chat")
manual = _trigger("manual")
dispatch = _trigger("dispatch")
schedule = _trigger("schedule")
workflow_run = _trigger("workflow_run")


class CommandFailed(Exception):
    """``ctx.run`` of a command that exited non-zero (with ``check=True``, the default)."""

    def __init__(self, command, returncode):
        super().__init__(f"command exited with status {returncode}: {command}")
        self.command = command
        self.returncode = returncode


# Frames of the runner's own code and of Python's library (asyncio) say nothing about the workflow.
_INTERNAL_DIRS = tuple(
    os.path.join(os.path.realpath(d), "")
    for d in {os.path.dirname(os.path.dirname(os.path.abspath(__file__))), sysconfig.get_paths()["stdlib"]}
)


def _workflow_frames(error):
    """The traceback's frames of the workflow's code, with paths relative to the workspace (the current folder)."""
    here = os.path.join(os.path.realpath(os.getcwd()), "")
    frames = []
    for frame in traceback.extract_tb(error.__traceback__):
        path = os.path.realpath(frame.filename)
        if path.startswith(_INTERNAL_DIRS):
            continue
        shown = path[len(here):] if path.startswith(here) else frame.filename
        frames.append(traceback.FrameSummary(shown, frame.lineno, frame.name, line=frame.line))
    return traceback.StackSummary.from_list(frames)


def failure_report(error):
    """What the log says of a workflow that raised: a failed command in one line (with where the workflow ran
    it), anything else as a traceback of the workflow's own frames, never the runner's."""
    frames = _workflow_frames(error)
    if isinstance(error, CommandFailed):
        where = f" (at {frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        return f"{error}{where}"
    lines = traceback.format_exception_only(type(error), error)
    if frames:
        lines = ["Traceback (most recent call last):\n", *traceback.format_list(frames), *lines]
    return "".join(lines).rstrip("\n")


class StepFailed(Exception):
    """A step raised; its traceback is already in that step's log."""

    def __init__(self, step):
        super().__init__(f"step {step} failed")
        self.step = step


class DispatchFailed(Exception):
    """``ctx.dispatch`` refused (``code`` as in the API: ``not_dispatchable``, ``invalid_context_file``,
    ``loop_detected``...) or not delivered."""

    def __init__(self, status, code, message):
        super().__init__(f"dispatch failed: {message} ({code})")
        self.status = status
        self.code = code
        self.message = message


class HandoffFailed(DispatchFailed):
    """``ctx.handoff`` refused (``lease_lost`` when the task is no longer this runner's, ``invalid_request``...) or
    not delivered. The task is still the runner's unless the reply was lost on the way back."""

    def __init__(self, status, code, message):
        Exception.__init__(self, f"handoff failed: {message} ({code})")
        self.status = status
        self.code = code
        self.message = message


class Handoff:
    """What ``ctx.handoff`` returns: the completion token and where the external system sends its verdict
    (``POST complete_url`` with ``Authorization: Bearer <completion_token>`` and ``{"status", "output"}``)."""

    def __init__(self, reply):
        self.task_id = reply.get("task_id")
        self.external_ref = reply.get("external_ref")
        #: A secret: whoever holds it completes the task. Hand it to the external system, do not log it.
        self.completion_token = reply.get("completion_token")
        self.complete_url = reply.get("complete_url")
        self.fail_url = reply.get("fail_url")
        #: When the task fails unless completed (ISO 8601).
        self.deadline = reply.get("deadline")

    def __repr__(self):
        return f"Handoff(task_id={self.task_id}, external_ref={self.external_ref!r}, deadline={self.deadline!r})"


class WaitFailed(DispatchFailed):
    """``ctx.wait_for`` refused (``lease_lost`` when the task is no longer this runner's, ``invalid_request``...)."""

    def __init__(self, status, code, message):
        Exception.__init__(self, f"wait_for failed: {message} ({code})")
        self.status = status
        self.code = code
        self.message = message


_NO_DEFAULT = object()


class DispatchedRun:
    """The run ``ctx.dispatch`` started (or, for a repeated ``idempotency_key``, the one started first)."""

    def __init__(self, reply):
        self.run_id = reply.get("run_id")
        self.run_number = reply.get("run_number")
        #: ``waiting``, or ``blocked`` / ``cancelled`` by its concurrency group.
        self.status = reply.get("status")
        self.workflow = reply.get("workflow", {}).get("name")
        self.ref = reply.get("ref")
        self.sha = reply.get("sha")

    def __repr__(self):
        return f"DispatchedRun(run_id={self.run_id}, run_number={self.run_number}, status={self.status!r})"


class RunResult:
    def __init__(self, command, returncode, output):
        self.command = command
        self.returncode = returncode
        #: Combined stdout and stderr (the first MiB).
        self.output = output

    def __repr__(self):
        return f"RunResult(command={self.command!r}, returncode={self.returncode})"


_current_step = contextvars.ContextVar("plue_step", default="")
_OUTPUT_KEPT = 1024 * 1024
#: After a command exits, how long its output may still arrive (see ``Context.run``).
_DRAIN_SECONDS = 2.0


def _noop_emit(step, line):
    print(line)


def _no_runner(request, body, idempotency_key=None):
    raise DispatchFailed(0, "no_runner", "this context has no runner to ask")


class Context:
    """What a workflow function receives. Attributes: ref, sha, event, payload, event_payload, inputs, workspace,
    context_dir, repository, run_number, run_id, workflow, attempt."""

    def __init__(self, task, workspace, emit=_noop_emit, request=_no_runner):
        self.ref = task.get("ref")
        self.sha = task.get("sha")
        self.event = task.get("event", {}).get("name")
        #: The event's payload as the service recorded it.
        self.event_payload = task.get("event", {}).get("payload", {})
        #: What the event carries for the workflow: for a run started by a dispatch (``ctx.dispatch``, the CLI, the
        #: API) the payload its dispatcher sent; for other events, the event's payload.
        self.payload = self.event_payload
        if self.event == "dispatch" and isinstance(self.event_payload, dict) and "dispatched_by" in self.event_payload:
            self.payload = self.event_payload.get("payload")
        #: Where the runner wrote the context files of a dispatch (``trigger-context/`` in the workspace).
        self.context_dir = os.path.join(workspace, "trigger-context")
        self.inputs = task.get("inputs", {})
        repository = task.get("repository", {})
        self.repository = f"{repository.get('owner')}/{repository.get('name')}"
        self.run_number = task.get("run", {}).get("number")
        self.run_id = task.get("run", {}).get("id")
        self.workflow = task.get("workflow", {}).get("name")
        self.attempt = task.get("attempt")
        self.workspace = workspace
        self._emit = emit
        self._request = request
        #: How many times each event name was waited for: the n-th ``wait_for(name)`` is the wait ``name#n``.
        self._waits = {}

    async def dispatch(self, workflow, payload=None, context=None, ref=None, idempotency_key=None):
        """Starts ``workflow`` (its name, function or file) of this repository, which needs a ``dispatch()`` trigger,
        with ``payload`` (any JSON) and ``context`` ({file name: text}, written to its ``trigger-context/``). The
        ref is this run's unless given. The runner sends it with the task token; returns a ``DispatchedRun``."""
        body = {"workflow": workflow, "payload": payload}
        if context is not None:
            body["context"] = dict(context)
        if ref is not None:
            body["ref"] = ref
        reply = await asyncio.to_thread(self._request, "dispatch", body, idempotency_key)
        run = DispatchedRun(reply)
        self.log(f"[plue] dispatched {run.workflow}: run {run.run_id} (#{run.run_number}) {run.status}")
        return run

    async def handoff(self, external_ref=None, timeout=3600):
        """Hands this task to an external system, which completes it within ``timeout`` seconds (else it fails) by
        calling the returned ``Handoff``'s ``complete_url`` with its ``completion_token``. The runner's part ends
        here: what the workflow logs from now on is not kept, its exit status is not the task's, and it has a minute
        to pass the token on (to an outside API, say) before it is stopped."""
        body = {"timeout_seconds": int(timeout)}
        if external_ref is not None:
            body["external_ref"] = str(external_ref)
        reply = await asyncio.to_thread(self._request, "handoff", body)
        return Handoff(reply)

    async def wait_for(self, name, timeout=3600, default=_NO_DEFAULT, filters=None):
        """Waits for an event ``name`` raised for this run (``POST /api/repos/:owner/:repo/runs/:id/events``) and
        returns its payload. An event raised before this call is kept and returned at once. ``filters`` ({key:
        value}) takes only an event whose payload has those values. After ``timeout`` seconds: ``default`` if given,
        else ``TimeoutError``. The n-th ``wait_for(name)`` of a run receives the same event in every attempt, so call
        them in the same order."""
        self._waits[name] = self._waits.get(name, 0) + 1
        body = {"name": name, "wait_key": f"{name}#{self._waits[name]}", "timeout_seconds": float(timeout)}
        if filters is not None:
            body["filters"] = dict(filters)
        self.log(f"[plue] waiting for {name} (at most {timeout} s)")
        reply = await asyncio.to_thread(self._request, "wait", body)
        if reply.get("timed_out"):
            self.log(f"[plue] no {name} within {timeout} s")
            if default is not _NO_DEFAULT:
                return default
            raise TimeoutError(f"no `{name}` event within {timeout} s")
        self.log(f"[plue] received {name} (event {reply['event']['id']})")
        return reply["event"]["payload"]

    def log(self, *parts):
        """Writes one or more log lines in the current step."""
        for line in " ".join(str(p) for p in parts).split("\n"):
            self._emit(_current_step.get(), line)

    async def step(self, fn, name=None):
        """Runs ``fn(ctx)`` (sync or async) as a named step; its output is logged under that name."""
        name = name or getattr(fn, "__name__", "step")
        token = _current_step.set(name)
        started = time.monotonic()
        self.log(f"[plue] step {name}")
        try:
            result = fn(self)
            if inspect.isawaitable(result):
                result = await result
        except StepFailed:
            self.log(f"[plue] step {name} failed after {time.monotonic() - started:.1f} s")
            raise
        except Exception as error:
            self.log(failure_report(error))
            self.log(f"[plue] step {name} failed after {time.monotonic() - started:.1f} s")
            raise StepFailed(name) from error
        finally:
            _current_step.reset(token)
        self.log(f"[plue] step {name} done in {time.monotonic() - started:.1f} s")
        return result

    async def run(self, command, check=True, cwd=None, env=None):
        """Runs a shell command in the workspace, streaming its output (stdout and stderr) as log lines."""
        self.log(f"$ {command}")
        process = await asyncio.create_subprocess_shell(
            command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            cwd=cwd or self.workspace,
            env=None if env is None else {**os.environ, **env},
        )
        kept = []
        kept_size = 0
        pending = b""
        left_open = False
        drain_until = None
        while True:
            # A process the command left running in the background may hold the pipe open for ever: once the
            # command has exited, its output is read for _DRAIN_SECONDS more, not until the pipe closes.
            if process.returncode is not None:
                drain_until = drain_until or time.monotonic() + _DRAIN_SECONDS
                if time.monotonic() >= drain_until:
                    left_open = True
                    break
            try:
                chunk = await asyncio.wait_for(process.stdout.read(65536), 0.2)
            except asyncio.TimeoutError:
                continue
            if not chunk:
                break
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.decode("utf-8", errors="replace").rstrip("\r")
                self.log(line)
                if kept_size < _OUTPUT_KEPT:
                    kept.append(line)
                    kept_size += len(raw) + 1
        if pending:
            line = pending.decode("utf-8", errors="replace").rstrip("\r")
            self.log(line)
            kept.append(line)
        if left_open:
            self.log("[plue] the command exited but its output stays open (a process it left running?); not waiting for it")
            process._transport.close()  # stop reading the pipe; the task's processes are stopped when it ends
            returncode = process.returncode
        else:
            returncode = await process.wait()
        if check and returncode != 0:
            raise CommandFailed(command, returncode)
        return RunResult(command, returncode, "\n".join(kept))
