"""## What it does
Checks for catalogs with more than 100 components under `templates/`.

## Why is this bad?
GitLab refuses to publish a release of a catalog project with more than 100 components
(`COMPONENTS_LIMIT`): the release job fails with
`Release cannot contain more than 100 components`, and no version reaches the catalog.
GitLab counts every file at `templates/<name>.yml` and `templates/<name>/template.yml`.

## Example
```yaml
{README.md: "# 101 components",
 templates/c001.yml: "", templates/c002.yml: "", templates/c003.yml: "", templates/c004.yml: "",
 templates/c005.yml: "", templates/c006.yml: "", templates/c007.yml: "", templates/c008.yml: "",
 templates/c009.yml: "", templates/c010.yml: "", templates/c011.yml: "", templates/c012.yml: "",
 templates/c013.yml: "", templates/c014.yml: "", templates/c015.yml: "", templates/c016.yml: "",
 templates/c017.yml: "", templates/c018.yml: "", templates/c019.yml: "", templates/c020.yml: "",
 templates/c021.yml: "", templates/c022.yml: "", templates/c023.yml: "", templates/c024.yml: "",
 templates/c025.yml: "", templates/c026.yml: "", templates/c027.yml: "", templates/c028.yml: "",
 templates/c029.yml: "", templates/c030.yml: "", templates/c031.yml: "", templates/c032.yml: "",
 templates/c033.yml: "", templates/c034.yml: "", templates/c035.yml: "", templates/c036.yml: "",
 templates/c037.yml: "", templates/c038.yml: "", templates/c039.yml: "", templates/c040.yml: "",
 templates/c041.yml: "", templates/c042.yml: "", templates/c043.yml: "", templates/c044.yml: "",
 templates/c045.yml: "", templates/c046.yml: "", templates/c047.yml: "", templates/c048.yml: "",
 templates/c049.yml: "", templates/c050.yml: "", templates/c051.yml: "", templates/c052.yml: "",
 templates/c053.yml: "", templates/c054.yml: "", templates/c055.yml: "", templates/c056.yml: "",
 templates/c057.yml: "", templates/c058.yml: "", templates/c059.yml: "", templates/c060.yml: "",
 templates/c061.yml: "", templates/c062.yml: "", templates/c063.yml: "", templates/c064.yml: "",
 templates/c065.yml: "", templates/c066.yml: "", templates/c067.yml: "", templates/c068.yml: "",
 templates/c069.yml: "", templates/c070.yml: "", templates/c071.yml: "", templates/c072.yml: "",
 templates/c073.yml: "", templates/c074.yml: "", templates/c075.yml: "", templates/c076.yml: "",
 templates/c077.yml: "", templates/c078.yml: "", templates/c079.yml: "", templates/c080.yml: "",
 templates/c081.yml: "", templates/c082.yml: "", templates/c083.yml: "", templates/c084.yml: "",
 templates/c085.yml: "", templates/c086.yml: "", templates/c087.yml: "", templates/c088.yml: "",
 templates/c089.yml: "", templates/c090.yml: "", templates/c091.yml: "", templates/c092.yml: "",
 templates/c093.yml: "", templates/c094.yml: "", templates/c095.yml: "", templates/c096.yml: "",
 templates/c097.yml: "", templates/c098.yml: "", templates/c099.yml: "", templates/c100.yml: "",
 templates/c101/template.yml: ""}
```

Use instead:
```yaml
README.md: "# 2 components"
templates/c001.yml: ""
templates/c002/template.yml: ""
```

## References
- https://docs.gitlab.com/ci/components/#directory-structure
"""

from __future__ import annotations

from collections.abc import Iterator

from ci_catalog.catalog import COMPONENTS_LIMIT, component_paths, relative
from ci_catalog.lint.context import CatalogContext
from ci_catalog.problems import Problem

ID = "too-many-components"
SEVERITY = "error"
SCOPE = "catalog"


def check(ctx: CatalogContext) -> Iterator[Problem]:
    components = component_paths(ctx.root, ctx.files)
    if len(components) <= COMPONENTS_LIMIT:
        return
    first_over = components[COMPONENTS_LIMIT]
    extra = len(components) - COMPONENTS_LIMIT
    message = (
        f"The catalog has {len(components)} components, and GitLab publishes at most {COMPONENTS_LIMIT} "
        f"(`Release cannot contain more than {COMPONENTS_LIMIT} components`); remove or merge {extra}, "
        f"or split the catalog into two projects (`{relative(ctx.root, first_over)}` is the first over the limit)"
    )
    yield ctx.problem(message, first_over, 1, 1)
