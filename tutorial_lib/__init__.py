"""tutorial_lib: the companion package of LLM Fine-Tuning, Hands-On (loading, data, generation,
metrics, reports)."""

from .data import load_data
from .errors import CourseError
from .generation import generate
from .models import load_model, tiny_model
from .plans import lesson_plan
from .profiles import get_profile
from .report import record

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
