#!/usr/bin/python3
"""Run a command and succeed only if it exits with the given status.

    exit_code.py CODE COMMAND [ARGS...]

stdin, stdout and stderr pass through untouched.  A command killed by a
signal never matches (its status is negative here), so a crash fails.
"""
import subprocess
import sys


def main(argv):
    if len(argv) < 3:
        sys.stderr.write("usage: exit_code.py CODE COMMAND [ARGS...]\n")
        return 2
    want = int(argv[1])
    got = subprocess.call(argv[2:])
    if got != want:
        sys.stderr.write("exit_code.py: %s exited %d, expected %d\n"
                         % (argv[2], got, want))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
