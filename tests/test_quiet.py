"""Two library notices are filtered out by name; everything else still gets through."""

import logging
import subprocess
import sys
import warnings

from tutorial_lib.quiet import BNB_LOGGER, BNB_NOTICE, quiet_library_notices


def test_importing_the_package_first_keeps_the_missing_kernel_notice_out():
    done = subprocess.run([sys.executable, "-c", "import tutorial_lib, peft"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and BNB_NOTICE not in done.stderr


def test_only_the_two_notices_are_dropped(caplog):
    quiet_library_notices()
    logger = logging.getLogger(BNB_LOGGER)
    with caplog.at_level(logging.WARNING, logger=BNB_LOGGER):
        logger.warning(BNB_NOTICE + ": No module named 'kernels'")
        logger.warning("something else")
    assert [r.getMessage() for r in caplog.records] == ["something else"]
    with warnings.catch_warnings(record=True) as caught:
        quiet_library_notices()  # catch_warnings restores the filters it found: add them again
        warnings.warn("`is_gradient_checkpointing` is deprecated", FutureWarning, stacklevel=1)
        warnings.warn("another change", FutureWarning, stacklevel=1)
    assert [str(w.message) for w in caught] == ["another change"]
