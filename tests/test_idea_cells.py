"""The idea is written where it is taught: each lesson's key lines are defined in a notebook cell,
and the package keeps the same code for later lessons and tests. This test keeps the two identical.

An idea cell starts with the line `# Same as tutorial_lib.<module> ...`; every function, class and
constant it defines must equal (as Python syntax: comments and line breaks aside) the one of that
name in the module.
"""

import ast
import importlib
import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
MARKER = re.compile(r"^# Same as (tutorial_lib(?:\.\w+)+)\b")

# The course design's table: the lines each lesson must write out (module -> names).
REQUIRED = {
    "00_setup_and_tour": {"tutorial_lib.metrics": ["total_nll"]},
    "01_in_context_learning": {"tutorial_lib.prompting": ["select_balanced"]},
    "02_chain_of_thought": {"tutorial_lib.chain_of_thought": ["majority_vote"]},
    "03_supervised_finetuning": {"tutorial_lib.sft_data": ["response_labels"]},
    "04_lora_and_qlora": {"tutorial_lib.peft_methods": ["LoRALinear"]},
    "05_prefix_and_prompt_tuning": {"tutorial_lib.peft_methods": ["BottleneckAdapter"]},
    "06_reward_modeling": {"tutorial_lib.reward": ["bradley_terry_loss"]},
    "07_rlhf_ppo": {
        "tutorial_lib.ppo": ["per_token_rewards", "gae", "policy_loss"],
        "tutorial_lib.preference_optimization": ["dpo_loss", "group_advantages"],
    },
    "08_zero_and_distributed": {"tutorial_lib.distributed.zero": ["model_state_bytes"]},
    "09_quantization": {
        "tutorial_lib.quantization": ["absmax_quantize", "zeropoint_quantize", "nf4_quantize"],
    },
}


def idea_cells(notebook: Path) -> list[tuple[str, ast.Module]]:
    """Return (module name, parsed source) of each idea cell of a notebook."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    found = []
    for cell in cells:
        source = "".join(cell["source"])
        match = MARKER.match(source)
        if cell["cell_type"] == "code" and match:
            found.append((match.group(1), ast.parse(source)))
    return found


def package_imports(notebook: Path) -> set[str]:
    """Return the names a notebook's code cells import from tutorial_lib."""
    names = set()
    for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] != "code":
            continue
        try:
            tree = ast.parse("".join(cell["source"]))
        except SyntaxError:  # a cell with IPython magics
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tutorial_lib"):
                names |= {alias.asname or alias.name for alias in node.names}
    return names


def definitions(tree: ast.Module) -> dict[str, str]:
    """Return name -> ast.dump of each top-level function, class and assignment in tree."""
    found = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = ast.dump(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    found[target.id] = ast.dump(node)
    return found


@pytest.mark.parametrize("stem", sorted(REQUIRED))
def test_the_lessons_idea_cells_equal_the_package(stem: str):
    cells = idea_cells(NOTEBOOKS / f"{stem}.ipynb")
    written: dict[str, set[str]] = {}
    for module_name, tree in cells:
        module = importlib.import_module(module_name)
        package = definitions(ast.parse(Path(module.__file__).read_text(encoding="utf-8")))
        for name, dump in definitions(tree).items():
            if name.isupper() and name not in package:
                continue  # a constant of the notebook's own, e.g. an example's size
            assert name in package, f"{stem}: {name} is not in {module_name}"
            assert dump == package[name], (
                f"{stem}: the notebook's {name} differs from {module_name}'s: make them the same"
            )
            written.setdefault(module_name, set()).add(name)
    for module_name, names in REQUIRED[stem].items():
        missing = set(names) - written.get(module_name, set())
        assert not missing, f"{stem} does not write out {sorted(missing)} ({module_name})"
    # the lesson runs its own definitions: it does not import them from the package too
    ideas = set().union(*written.values()) if written else set()
    imported = package_imports(NOTEBOOKS / f"{stem}.ipynb")
    assert not ideas & imported, f"{stem} imports {sorted(ideas & imported)} from the package"


LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("notebook", LESSONS, ids=lambda p: p.stem)
def test_no_notebook_shows_package_code_instead_of_writing_it(notebook: Path):
    assert "getsource" not in notebook.read_text(encoding="utf-8")
