"""No run's numbers typed into a notebook's prose: a number in markdown is cited, part of a formula
or a worked example, or printed by the run (a Markdown output, which this test does not read).

Flagged: decimals (0.30), percentages (12%) and ratios (2×) in markdown cells, outside $math$ and
`code`, in a sentence that cites no paper (authors "et al." or a year in brackets). ALLOWED lists
the few others, each with why.
"""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
NUMBER = re.compile(r"(?<![\w.^/-])(\d+\.\d+|\d+(?:\.\d+)?\s?%|\d+(?:\.\d+)?×)")
CITED = re.compile(r"et al\.|\((?:[^()]*?\b)?(?:19|20)\d\d[a-z]?\)|\b(?:19|20)\d\d[a-z]?\)")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z*(])|\n\s*\n|\n(?=\s*[-*|#\d])")

# (notebook stem, the number as written): the few numbers that may stand in prose, each with why
# (a worked example, a definition, a fixed setting). Lessons 00-04:
ALLOWED_00_04: set[tuple[str, str]] = set()
# Lessons 05-09:
ALLOWED_05_09: set[tuple[str, str]] = {
    # 07: the clipped surrogate's worked example (ratios 1.0, 1.8, 0.6; clip to 1.2; mean -0.25)
    *(("07_rlhf_ppo", n) for n in ("1.0", "1.8", "1.2", "0.6", "0.25")),
    # 08: the ZeRO paper's worked example (Rajbhandari et al. 2020: 7.5B parameters), and stage 3's
    # traffic by the formula (3Φ against DDP's 2Φ: 1.5×)
    ("08_zero_and_distributed", "7.5"), ("08_zero_and_distributed", "1.5"),
    # 09: definitions and fixed settings: the code that stands for 0.0 (zero-point), one float32
    # scale per 64 weights = 0.5 bit per weight, and the distillation runs' fixed α = 0.5
    ("09_quantization", "0.0"), ("09_quantization", "0.5"),
    # the course's intervals are 95% intervals (stats.CONFIDENCE): a definition, not a result
    *((lesson, "95%") for lesson in ("05_prefix_and_prompt_tuning", "06_reward_modeling",
                                     "07_rlhf_ppo", "09_quantization")),
}
ALLOWED = ALLOWED_00_04 | ALLOWED_05_09


def prose(cell: dict) -> str:
    """Return a markdown cell's text without math, code spans and link targets."""
    text = "".join(cell["source"])
    text = re.sub(r"\$\$.*?\$\$", " ", text, flags=re.DOTALL)
    text = re.sub(r"\$[^$\n]+\$", " ", text)
    text = re.sub(r"`[^`\n]+`", " ", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def typed_numbers(notebook: Path) -> list[str]:
    """Return 'number: sentence' for each uncited number in the notebook's markdown."""
    found = []
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        for sentence in SENTENCE.split(prose(cell)):
            if CITED.search(sentence):
                continue
            for match in NUMBER.finditer(sentence):
                if (notebook.stem, match.group(1)) not in ALLOWED:
                    found.append(f"{match.group(1)}: {' '.join(sentence.split())[:120]}")
    return found


def test_the_scanner_flags_run_numbers_and_spares_citations_and_formulas():
    cell = {"source": ["Reward rose from 0.30 to 1.54 (12% more). ",
                       "Kojima et al. (2022) report 78.7% on MultiArith. ",
                       "With $p = 0.5$ and `lr=1e-3` nothing is flagged."]}
    sentences = [s for s in SENTENCE.split(prose(cell))]
    flagged = [m.group(1) for s in sentences if not CITED.search(s) for m in NUMBER.finditer(s)]
    assert flagged == ["0.30", "1.54", "12%"]


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_no_run_numbers_in_the_prose(notebook: Path):
    typed = typed_numbers(notebook)
    assert not typed, (
        f"{notebook.name}: numbers typed into the prose (print them from the run, cite the paper, "
        "or word the sentence so it holds for any outcome):\n" + "\n".join(typed)
    )
