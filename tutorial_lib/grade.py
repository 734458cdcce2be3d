"""The exercises' autograder: `python -m tutorial_lib grade NN [--solutions] [--file PATH]`.

It loads a learner's exercises/NN_topic.py by path, runs each exercise's check (in grading/) on
tiny fixtures and prints one line per exercise: passed, failed with a hint, or not started.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from .errors import CourseError
from .plans import LESSONS as PLANNED

LESSONS = tuple(PLANNED.values())  # "00_setup_and_tour", ..., "09_quantization"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the course folder in an editable install


def lesson_name(lesson: str) -> str:
    """Return the full lesson name ('04_lora_and_qlora') for '4', '04' or the name itself."""
    text = str(lesson).strip().removesuffix(".py").removesuffix(".ipynb")
    for name in LESSONS:
        number = name[:2]
        if text in (name, number) or (text.isdigit() and int(text) == int(number)):
            return name
    raise CourseError(
        f"There is no lesson {lesson!r}. Give its number or name, one of: {', '.join(LESSONS)}."
    )


def course_folder() -> Path:
    """Return the folder holding exercises/ and solutions/: the working folder, its parent, else
    the package's."""
    for folder in (Path.cwd(), Path.cwd().parent, PACKAGE_ROOT):
        if (folder / "exercises").is_dir():
            return folder
    raise CourseError(
        "No exercises/ folder found here, in the parent folder or next to the package; run the "
        "grader from the course folder, or pass --file PATH."
    )


def exercise_path(lesson: str, solutions: bool = False) -> Path:
    """Return the path of the lesson's exercise file (or its solution file)."""
    name = lesson_name(lesson)
    return course_folder() / ("solutions" if solutions else "exercises") / f"{name}.py"


def load_file(path: Path) -> ModuleType:
    """Return the Python file at `path` loaded as a module (sys.path and sys.modules untouched)."""
    spec = importlib.util.spec_from_file_location(f"graded_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise CourseError(f"{path} is not a Python file the grader can load.")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Result:
    """One exercise's grade: status is 'passed', 'failed' or 'not started'; detail is the hint."""

    name: str
    status: str
    detail: str = ""

    def line(self) -> str:
        """Return the line the grader prints for this exercise."""
        if self.status == "passed":
            tail = f" {self.detail}" if self.detail else ""
        else:
            tail = f": {self.detail}" if self.detail else ""
        return f"  {self.name:<30} {self.status}{tail}"


def error_text(error: BaseException) -> str:
    """Return an exception as one short line: its type and message, without a traceback."""
    message = " ".join(str(error).split())
    if len(message) > 300:
        message = message[:297] + "..."
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def grade_one(module: ModuleType, name: str, check: Callable[[Callable], str]) -> Result:
    """Return the Result of running `check` on the function `name` of the learner's module."""
    from .grading import Wrong

    function = getattr(module, name, None)
    if not callable(function):
        return Result(name, "failed", f"the file has no function {name}(); restore its stub")
    try:
        note = check(function)
    except NotImplementedError:
        return Result(name, "not started")
    except Wrong as wrong:
        return Result(name, "failed", str(wrong))
    except Exception as error:  # noqa: BLE001 - any mistake in the learner's code is a grade
        return Result(name, "failed", f"your code raised {error_text(error)}")
    return Result(name, "passed", note)


def grade_file(lesson: str, path: Path) -> list[Result]:
    """Return the Results of every exercise of `lesson`, graded in the file at `path`."""
    from .grading import CHECKS

    checks = CHECKS[lesson_name(lesson)]
    if not path.is_file():
        raise CourseError(f"{path} does not exist; give the path of your exercise file.")
    try:
        module = load_file(path)
    except Exception as error:  # noqa: BLE001 - a file that does not load fails every exercise
        hint = f"{path.name} does not load: {error_text(error)}"
        return [Result(name, "failed", hint) for name in checks]
    return [grade_one(module, name, check) for name, check in checks.items()]


def grade(lesson: str, solutions: bool = False, file: str | None = None) -> int:
    """Return 0 if every exercise of `lesson` passes, else 1, after printing one line for each."""
    path = Path(file) if file else exercise_path(lesson, solutions)
    results = grade_file(lesson, path)
    print(f"Grading {path} ({lesson_name(lesson)})")
    for result in results:
        print(result.line())
    passed = sum(r.status == "passed" for r in results)
    print(f"{passed} of {len(results)} passed")
    return 0 if passed == len(results) else 1
