"""Command line: `python -m tutorial_lib doctor | run [NOTEBOOK ...] [--profile P] | report`."""

from __future__ import annotations

import argparse
import sys

from .errors import CourseError


def main(argv: list[str] | None = None) -> int:
    """Return the exit code of the sub-command named in argv."""
    parser = argparse.ArgumentParser(prog="python -m tutorial_lib", description="LLM Fine-Tuning, Hands-On: the course's tools.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check packages, device, profile, model and datasets")
    run = sub.add_parser("run", help="execute notebooks headless and write reports/<profile>/")
    run.add_argument("notebooks", nargs="*", help="notebooks to run, by file name or number prefix (default: all)")
    run.add_argument("--profile", help="quick | cpu | gpu (default: $COURSE_PROFILE, else auto)")
    run.add_argument("--inplace", action="store_true", help="also write the executed notebooks back to notebooks/")
    rep = sub.add_parser("report", help="(re)write the report card from recorded results")
    rep.add_argument("--profile", help="whose report: quick | cpu | gpu")
    args = parser.parse_args(argv)
    try:
        if args.command == "doctor":
            from .doctor import doctor

            return 0 if doctor() else 1
        if args.command == "run":
            from .runner import run_course

            run_course(args.notebooks, args.profile, args.inplace)
            return 0
        from .report import report_dir, write_report

        print(write_report(report_dir(args.profile)))
        return 0
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
