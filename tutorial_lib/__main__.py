"""Command line: `python -m tutorial_lib doctor|plan|run|report|grade|cache|seeds|instructor`."""

from __future__ import annotations

import argparse
import sys

from .errors import CourseError


def main(argv: list[str] | None = None) -> int:
    """Return the exit code of the sub-command named in argv."""
    parser = argparse.ArgumentParser(
        prog="python -m tutorial_lib", description="LLM Fine-Tuning, Hands-On: the course's tools."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("doctor", help="check packages, device, profile, model and datasets")
    plan = sub.add_parser(
        "plan", help="print each lesson's sizes, data and memory; exit 1 if one does not fit"
    )
    plan.add_argument("--profile", help="quick | cpu | gpu (default: $COURSE_PROFILE, else auto)")
    plan.add_argument(
        "--lesson", action="append", help="a lesson number, e.g. 03 (repeatable; default: all)"
    )
    plan.add_argument(
        "--source", default="local", help="local (the course data) or hub (the public sets)"
    )
    run = sub.add_parser("run", help="execute notebooks headless and write reports/<profile>/")
    run.add_argument(
        "notebooks", nargs="*", help="notebooks to run, by file name or number prefix (default all)"
    )
    run.add_argument("--profile", help="quick | cpu | gpu (default: $COURSE_PROFILE, else auto)")
    run.add_argument(
        "--inplace", action="store_true", help="also write the executed notebooks to notebooks/"
    )
    run.add_argument(
        "--dry-run", action="store_true", help="the profile's code path on a CPU, tiny model"
    )
    run.add_argument(
        "--use-cached", action="store_true", help="training cells load the cache (skip-ahead)"
    )
    run.add_argument("--seed", type=int, help="the notebooks' seed (default: theirs, 0)")
    rep = sub.add_parser("report", help="(re)write the report card from recorded results")
    rep.add_argument("--profile", help="whose report: quick | cpu | gpu")
    grd = sub.add_parser("grade", help="grade a lesson's exercises: passed, failed, not started")
    grd.add_argument("lesson", help="the lesson: 4, 04 or 04_lora_and_qlora")
    grd.add_argument("--solutions", action="store_true", help="grade solutions/, not exercises/")
    grd.add_argument("--file", help="grade this file instead of exercises/NN_topic.py")
    cache = sub.add_parser("cache", help="train lessons 03-07 once, caching each run (skip-ahead)")
    cache.add_argument("notebooks", nargs="*", help="lessons to cache (default: 03 04 05 06 07)")
    cache.add_argument("--profile", help="quick | cpu | gpu (default: $COURSE_PROFILE, else auto)")
    cache.add_argument("--dry-run", action="store_true", help="the tiny model, one step (tests)")
    sds = sub.add_parser("seeds", help="run lessons once per seed; gather their headline effects")
    sds.add_argument("notebooks", nargs="*", help="lessons to run (default: all)")
    sds.add_argument("--profile", help="quick | cpu | gpu (default: $COURSE_PROFILE, else auto)")
    sds.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], help="default: 0 1 2")
    ins = sub.add_parser("instructor", help="rewrite the instructor guide's measured tables")
    ins.add_argument("--check", action="store_true", help="exit 1 if the guide is out of date")
    args = parser.parse_args(argv)
    try:
        if args.command == "doctor":
            from .doctor import doctor

            return 0 if doctor() else 1
        if args.command == "plan":
            from .plan_report import print_plan
            from .profiles import get_profile

            profile = get_profile(args.profile, need_device=False).name
            return 0 if print_plan(profile, args.lesson, args.source) else 1
        if args.command == "cache":
            from .runner import run_course

            lessons = args.notebooks or ["03", "04", "05", "06", "07"]
            run_course(lessons, args.profile, dry_run=args.dry_run, save_cache=True)
            return 0
        if args.command == "seeds":
            from .instructor import update_guide
            from .seeds import run_seeds

            run_seeds(args.notebooks, args.profile, args.seeds)
            return 0 if update_guide() else 1
        if args.command == "instructor":
            from .instructor import update_guide

            return 0 if update_guide(args.check) else 1
        if args.command == "grade":
            from .grade import grade

            return grade(args.lesson, args.solutions, args.file)
        if args.command == "run":
            from .runner import run_course

            run_course(args.notebooks, args.profile, args.inplace, args.dry_run,
                       use_cached=args.use_cached, seed=args.seed)
            return 0
        from .profiles import get_profile
        from .report import report_dir, write_report

        print(write_report(report_dir(get_profile(args.profile, need_device=False).name)))
        return 0
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
