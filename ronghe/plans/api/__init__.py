"""Plan and task-list endpoints (同部署 · 同落实): plans and their targets, approval, cascade
deployment, integration points, tasks (also from a meeting's resolution) and their milestones,
progress reports with their evidence, the checks, and the category lists and thresholds.

The pages' forms validate the input, `plans.services` writes (and audits), and the same gate
decides who sees and changes what: an object outside the caller's reach answers 404, one they
see but may not change 403. A write the workflow refuses (`services.Refused`) answers 422 with
`code: "refused"`: `detail` names the field when the refusal concerns one
(`[{"field": …, "message": …}]`), else it is the message itself.

Objects are addressed by their public codes, categories included; a subtree's thresholds by
its organisation's code (one set per organisation: `PUT` sets them, `DELETE` removes them).
Lists are cursor-paginated in a stable order: creation (a unique position keeps the cursor
cheap where a deadline shared by every deployed task would make it skip rows by offset), or
the organisation tree for the cascade of one target. The category lists and the thresholds,
one entry at most per organisation in reach or above it, come whole, as on their page.
"""

from ninja import Router

from ronghe.plans.api import catalogue, milestones, plans, points, reports, tasks

router = Router()
for part in (plans, points, tasks, milestones, reports, catalogue):
    router.add_router("", part.router)
