"""What the Python tests under tests/integration and tests/deploy share: checks, waiting, a clean
environment for aiswatchd, and the mock Kafka launcher in its own process.

A script imports it with
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
    import testlib
Two styles of check: `check` raises Fail (a test that cannot go on past a failure), and
`Checklist.check` prints every check and keeps the failures (a test that reports them all).
Standard library only.
"""

import argparse
import os
import subprocess
import time


class Fail(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Fail(message)


class Checklist:
    """Prints `ok   ...` or `FAIL ...` for each check; failures are kept for the exit code."""

    def __init__(self):
        self.failures = []

    def check(self, condition, message):
        if condition:
            self.ok(message)
        else:
            print(f"FAIL {message}")
            self.failures.append(message)
        return condition

    def ok(self, message):
        print(f"ok   {message}")

    def note(self, message):
        """Something not checked, and why."""
        print(f"note {message}")

    def summary(self, passed=0):
        """Prints how many checks failed; the exit code: 1 with failures, else `passed`."""
        if self.failures:
            print(f"\n{len(self.failures)} check(s) failed")
            return 1
        print("\nall checks passed")
        return passed


def wait_for(predicate, timeout, what, interval=0.1):
    """The predicate's first true value, polled until `timeout` seconds; Fail after that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise Fail(f"timed out after {timeout} s waiting for {what}")


def clean_env(extra=None, base=None):
    """`base` (the test's environment) without any AISWATCH_* variable, plus `extra`: an
    AISWATCH_* variable overrides the configuration, and an unknown one is an error."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith("AISWATCH_")}
    env.update(extra or {})
    return env


class MockKafka:
    """aiswatch-mock-kafka (`launcher`) in its own process, with the topics "name:partitions";
    `bootstrap` is the address it printed. It ends when its standard input does."""

    def __init__(self, launcher, topics):
        cmd = [launcher] + [a for t in topics for a in ("--topic", t)]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        line = self.proc.stdout.readline().strip()
        check(line.startswith("bootstrap="), f"aiswatch-mock-kafka printed {line!r}")
        self.bootstrap = line[len("bootstrap="):]

    def command(self, text):
        """A launcher command (`down -1`, `up -1`, ...), answered `ok`."""
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        check(answer == "ok", f"aiswatch-mock-kafka answered {answer!r} to {text!r}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def deploy_test_parser(description=None):
    """An argument parser with what tests/deploy/CMakeLists.txt gives every deploy test: --repo
    (the source tree), --build (the build tree) and --aiswatchd (the binary)."""
    parser = argparse.ArgumentParser(description=description)
    for name in ("--repo", "--build", "--aiswatchd"):
        parser.add_argument(name, required=True)
    return parser
