"""The exercises' grader: solutions pass, stubs are 'not started', mistakes fail with a hint."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tutorial_lib.__main__ import main
from tutorial_lib.errors import CourseError
from tutorial_lib.grade import LESSONS, grade, lesson_name
from tutorial_lib.grading import CHECKS

ROOT = Path(__file__).resolve().parent.parent


def exercise_lines(output: str) -> list[str]:
    """Return the per-exercise lines of the grader's output (they are indented)."""
    return [line for line in output.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("lesson", LESSONS)
def test_solutions_pass(lesson: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert grade(lesson, solutions=True) == 0
    lines = exercise_lines(capsys.readouterr().out)
    assert len(lines) == len(CHECKS[lesson]) >= 2
    assert all(line.split()[1] == "passed" for line in lines), lines


@pytest.mark.parametrize("lesson", LESSONS)
def test_stubs_are_not_started(lesson: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert grade(lesson) == 1
    out = capsys.readouterr()
    lines = exercise_lines(out.out)
    assert len(lines) == len(CHECKS[lesson])
    assert all(line.endswith("not started") for line in lines), lines
    assert "Traceback" not in out.out + out.err


@pytest.mark.parametrize("lesson", LESSONS)
def test_exercises_match_solutions(lesson: str) -> None:
    """Stubs and solutions have the same functions, signatures and docstrings; stubs only raise."""

    def functions(folder: str) -> dict[str, ast.FunctionDef]:
        tree = ast.parse((ROOT / folder / f"{lesson}.py").read_text())
        return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}

    stubs, solutions = functions("exercises"), functions("solutions")
    assert list(stubs) == list(solutions) == list(CHECKS[lesson])
    for name, stub in stubs.items():
        solved = solutions[name]
        assert ast.dump(stub.args) == ast.dump(solved.args), name
        assert ast.dump(stub.returns) == ast.dump(solved.returns), name
        assert ast.get_docstring(stub) == ast.get_docstring(solved), name
        assert ast.unparse(stub.body[1]) == "raise NotImplementedError" and len(stub.body) == 2


WRONG_04 = """
def lora_forward(x, W, A, B, alpha):
    return x @ W.T + alpha * (x @ A.T @ B.T)  # forgot to divide by r


def lora_merge(W, A, B, alpha):
    raise ValueError("shapes do not match")


def predict_lora_params():
    return 30 * 8 * 4 * 576
"""


def test_mistakes_fail_with_a_hint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.py"
    path.write_text(WRONG_04)
    assert grade("4", file=str(path)) == 1
    out = capsys.readouterr().out
    forward, merge, predict = exercise_lines(out)
    assert "failed: r=4, alpha=8" in forward and "expected" in forward and "got" in forward
    assert "failed: your code raised ValueError: shapes do not match" in merge
    assert "failed: the answer is 460,800 parameters; you said 552,960" in predict
    assert "off by +92,160 (+20%)" in predict
    assert "Traceback" not in out


def test_a_file_that_does_not_load(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "broken.py"
    path.write_text("def lora_forward(:\n")
    assert grade("04", file=str(path)) == 1
    lines = exercise_lines(capsys.readouterr().out)
    assert len(lines) == 3 and all("does not load: SyntaxError" in line for line in lines)


def test_a_missing_function(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "partial.py"
    path.write_text("def absmax_quantize(w):\n    raise NotImplementedError\n")
    assert grade("9", file=str(path)) == 1
    lines = exercise_lines(capsys.readouterr().out)
    assert lines[0].endswith("not started")
    assert "the file has no function zeropoint_quantize()" in lines[1]


def test_an_unstable_bradley_terry_loss_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bt.py"
    path.write_text(
        "import torch\n\n\ndef margin_bradley_terry_loss(c, r, m):\n"
        "    return -torch.log(torch.sigmoid(c - r - m)).mean()\n"
    )
    grade("06", file=str(path))
    line = exercise_lines(capsys.readouterr().out)[0]
    assert "use F.logsigmoid" in line and "got inf" in line


@pytest.mark.parametrize(
    "given", ["4", "04", "004", "04_lora_and_qlora", " 4 ", "04_lora_and_qlora.py"]
)
def test_lesson_names(given: str) -> None:
    assert lesson_name(given) == "04_lora_and_qlora"


@pytest.mark.parametrize("given", ["10", "lora", "", "-1", "4a"])
def test_unknown_lesson(given: str) -> None:
    with pytest.raises(CourseError, match="00_setup_and_tour, 01_in_context_learning.*09_quantiz"):
        lesson_name(given)


def test_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grade", "2", "--solutions"]) == 0
    assert "3 of 3 passed" in capsys.readouterr().out
    assert main(["grade", "12"]) == 2
    assert "There is no lesson '12'" in capsys.readouterr().err
    assert main(["grade", "2", "--file", "no/such/file.py"]) == 2
    assert "does not exist" in capsys.readouterr().err
