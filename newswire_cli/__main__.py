import sys

from newswire_cli.main import main

sys.exit(main())
