"""Options more than one command takes."""

from __future__ import annotations

import click

from detectors.model_quality.regression import R2_FORMULAS

r2_formula_option = click.option(
    "--r2-formula",
    type=click.Choice(R2_FORMULAS),
    default="sagemaker",
    show_default=True,
    help="Regression R²: SageMaker's (SS_tot over the predictions) or the standard one.",
)
