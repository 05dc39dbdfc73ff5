import sys

from postureflow.cli import main

sys.exit(main())
