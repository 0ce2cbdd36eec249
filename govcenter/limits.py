"""How long free text may be, by what the text is. Every model TextField and every form
field with a text area takes its limit from here, so that the same kind of text has the
same limit everywhere and a limit reads by its meaning.

Characters, not bytes: a Chinese character counts one. The figures are generous for the
writing they name (a dispute's facts fit on two printed pages) and small enough that a
pasted document cannot swell a record, its print page or its export row.
"""

from __future__ import annotations

# A note or remark beside a step: instructions, a review note, a household's remark.
NOTE = 1000
# A reason, opinion, result or record of one step: why it goes up, the police opinion,
# a mediation record, what the handling achieved.
REASON = 2000
# The facts of a case or the content of a campaign: what happened, what the grid teams
# tell people.
NARRATIVE = 5000
# A notification's text (written by the portal from the pieces above).
MESSAGE = 2000
