"""Runs one workflow function for the plue reference runner: ``python3 plue_runner.py <task.json>``.

task.json holds the task as claimed plus ``workflow_file`` and ``workspace``. Log lines go to file descriptor 3 as
JSON lines ``{"step": ..., "line": ...}``; the exit status is 0 for success and 1 for failure (the traceback is in
the log). Running this file by path puts its folder first on sys.path, so ``import plue`` finds the module shipped
next to it even when the repository has a ``plue`` folder of its own.
"""

import asyncio
import importlib.util
import inspect
import io
import json
import os
import signal
import sys
import threading
import time

import plue


class _Events:
    def __init__(self, fd):
        self._out = os.fdopen(fd, "w", encoding="utf-8", buffering=1)
        self._lock = threading.Lock()

    def emit(self, step, line):
        self.send({"step": step, "line": line})

    def send(self, message):
        with self._lock:
            self._out.write(json.dumps(message) + "\n")


class _Requests:
    """Asks the runner, which holds the task token, to act for the workflow: a request on fd 3, its answer on fd 4.
    One request at a time."""

    def __init__(self, events, fd):
        self._events = events
        self._fd = fd
        self._answers = None
        self._lock = threading.Lock()
        self._next = 0

    _ERRORS = {"handoff": "HandoffFailed", "wait": "WaitFailed"}

    def call(self, request, body, idempotency_key=None):
        failed = getattr(plue, self._ERRORS.get(request, "DispatchFailed"))
        with self._lock:
            self._next += 1
            message = {"request": request, "id": self._next, "body": body}
            if idempotency_key is not None:
                message["idempotency_key"] = idempotency_key
            if self._answers is None:
                self._answers = os.fdopen(self._fd, "r", encoding="utf-8")
            self._events.send(message)
            line = self._answers.readline()
        if not line:
            raise failed(0, "runner_gone", "the runner did not answer")
        answer = json.loads(line)
        if "error" in answer:
            error = answer["error"]
            raise failed(error.get("status", 0), error.get("code", ""), error.get("message", ""))
        return answer["ok"]


class _LogWriter(io.TextIOBase):
    """sys.stdout / sys.stderr: complete lines become log lines of the current step."""

    def __init__(self, events):
        self._events = events
        self._pending = ""

    def writable(self):
        return True

    def write(self, text):
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self._events.emit(plue._current_step.get(), line)
        return len(text)

    def flush(self):
        if self._pending:
            self._events.emit(plue._current_step.get(), self._pending)
            self._pending = ""


def _exit_with_parent():
    """A killed runner must not leave its workflow running: stop the whole process group when the parent goes."""
    parent = os.getppid()
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os.killpg(os.getpgrp(), signal.SIGKILL)


def main(task_file):
    with open(task_file, encoding="utf-8") as f:
        task = json.load(f)
    events = _Events(3)
    sys.stdout = _LogWriter(events)
    sys.stderr = _LogWriter(events)
    threading.Thread(target=_exit_with_parent, daemon=True).start()

    workflow_file = task["workflow_file"]
    sys.path.append(os.path.dirname(workflow_file))
    ctx = plue.Context(task, task["workspace"], events.emit, _Requests(events, 4).call)
    try:
        spec = importlib.util.spec_from_file_location("plue_workflow", workflow_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        function = getattr(module, task["workflow"]["function"])
        result = function(ctx)
        if inspect.iscoroutine(result):
            asyncio.run(result)
        return 0
    except plue.StepFailed:
        return 1
    except SystemExit as stop:
        return 0 if stop.code in (0, None) else 1
    except BaseException as error:
        print(plue.failure_report(error))
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
