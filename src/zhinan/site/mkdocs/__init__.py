"""The only package that imports MkDocs: the `zhinan` plugin (`plugin`), Chinese search (`search`),
running a build (`build`) and the preview server (`preview`).

MkDocs 1.x is frozen and mkdocs-material ends in 2027-05, so everything MkDocs-specific stays
here: replacing the site generator means replacing this package. It imports the site's pages and
sources (`zhinan.site.pages`, `zhinan.site.assemble`) and is imported by `zhinan.site.stage` only.
"""
