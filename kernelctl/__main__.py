"""`python -m kernelctl`: the same CLI as the `kernelctl` console script."""

from kernelctl.cli import app

app(prog_name="kernelctl")
