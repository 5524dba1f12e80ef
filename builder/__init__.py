"""budgetdoc: budget-performance documents (绩效目标申报, 绩效自评) built from YAML/TOML sources."""

__version__ = "0.1.0"
