"""Rule arithmetic shared by the solvers, the verifier and the reports: no solver code.

Every rule of the policy has one name, used in the model, in `verify`, in violations and in
the docs (`catalog.RULES` holds its title, policy numbers and source). `verify.students`
re-checks the student rules and `verify.teachers` the teacher rules, without solver code.

| rule | what it says | built into |
| --- | --- | --- |
| `served_grades` | a school takes only the grades it serves | students.arcs |
| `one_school_per_level` | one school per block and level | students.arcs |
| `locked_assignment` | locked block-level assignments are kept | students.arcs |
| `class_size_cap` | pupils per class at most the cap | students.cpsat |
| `classrooms` | classes per school at most its classrooms | students.cpsat |
| `school_size_cap` | pupils per school at most the cap | students.cpsat |
| `young_beyond_day_radius` | young never board; beyond the radius: priced | rules.day_radius |
| `boarding_beds` | beyond the day radius: board, need a bed | students.cpsat |
| `township_boarding_schools` | each township keeps 1-2 boarding schools | choose, metrics |
| `left_behind_first` | beds go to left-behind children first | metrics.planning |
| `group_intake` | pupils attend a school of their group | rules.group_intake |
| `contiguity` | joins a school with a closer neighbour | students.contiguity |
| `choose` | keep exactly k / close at most k candidates | students.choose |
| `staffing_ratio` | teachers >= pupils / ratio | teachers.base |
| `senior_title` | senior-title teachers per school | teachers.base |
| `rotation_quota` | >= 10% of eligible teachers rotate | teachers.base |
| `rotation_backbone_share` | backbone >= 20% of the rotating | teachers.base |
| `rotation_eligibility` | years at the school, age, exemptions | rules.eligibility |
| `rotation_direction` | urban/strong -> rural/weak, or within a group | rules.eligibility |
| `rotation_sending_share` | a school sends at most a share | teachers.model |
| `rotation_distance` | a teacher rotates at most this far (when set) | teachers.roster |
| `rotation_exchange` | one-for-one exchanges between two schools | teachers.model |
| `balance_cv` | CV of each resource indicator across schools | metrics.balance |
| `balance_standard` | each school meets >= 6 of the 7 indicators | metrics.balance |
| `funding` | annual cost under the funding model | metrics.kpis |

Modules: `objective` (what an assignment row and a broken rule cost, in integer units),
`classes` (classes a school opens for its pupils and their penalties), `staffing`
(teacher demand of a plan), `eligibility` (who may rotate, and where to),
`rotation_objective` (the rotation's objective), `statistics` (weighted CV), `catalog`
(the rule list).
"""
