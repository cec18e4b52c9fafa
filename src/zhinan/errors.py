"""The one base class of the errors zhinan reports to a person.

Every error raised for a person to act on — content with problems, a build that cannot go on, a
workbook that cannot be read, a command given the wrong thing — derives from `ZhinanError`: its
message is Chinese and says what to do, and the command line turns it into that message and the
exit code below (0 ok, 1 a problem to fix, 2 a usage error, as click does). Anything else that
escapes is a bug in zhinan, shown with its traceback.
"""

from __future__ import annotations


class ZhinanError(Exception):
    """An error with a message for a person; the command line exits with `exit_code`."""

    exit_code = 1
