"""tutorial_lib: the companion package of LLM Fine-Tuning, Hands-On (loading, data, generation,
metrics, reports)."""

from .quiet import quiet_library_notices

quiet_library_notices()  # before anything imports bitsandbytes or peft

from .data import load_data  # noqa: E402
from .errors import CourseError  # noqa: E402
from .generation import generate  # noqa: E402
from .models import load_model, tiny_model  # noqa: E402
from .plans import lesson_plan  # noqa: E402
from .profiles import get_profile  # noqa: E402
from .report import record  # noqa: E402

__version__ = "0.1.0"
__all__ = [
    "CourseError",
    "generate",
    "get_profile",
    "lesson_plan",
    "load_data",
    "load_model",
    "record",
    "tiny_model",
]
