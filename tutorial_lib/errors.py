"""The one exception the course raises for mistakes a learner can fix."""


class CourseError(RuntimeError):
    """A problem with the learner's set-up or input; the message says what is wrong and what to
    do."""
