#!/usr/bin/env python
from partnerhub.cli import main

if __name__ == "__main__":
    main()
