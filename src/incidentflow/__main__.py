"""`python -m incidentflow` runs the `incident` command."""

from incidentflow.main import main

if __name__ == "__main__":
    main()
