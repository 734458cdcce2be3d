"""`python -m tutorial_lib.build_datasets [--seed N] [--out DIR]` rebuilds the course datasets."""

from . import main

if __name__ == "__main__":
    main()
