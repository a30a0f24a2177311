"""A machine learning engineer skills framework, as plain data (for the demo seed and new installs).

Each skill: name, category, description, and what each level 0–4 (none, awareness,
working, practitioner, expert) looks like, after the government digital and data
capability framework. `targets` is a sensible target level for a 12-week cohort.
"""

from __future__ import annotations

ML_ENGINEER_FRAMEWORK: list[dict] = [
    {
        "name": "Python and software engineering",
        "category": "Engineering",
        "description": "Writing maintainable, tested Python: packages, version control, code review and automated tests.",
        "target": 3,
        "levels": [
            "Has not written production code.",
            "Writes scripts and notebooks; knows what tests and version control are for.",
            "Structures code into modules and packages with unit tests; uses Git branches and pull requests.",
            "Designs maintainable libraries and services, sets up linting and CI, reviews others' code.",
            "Sets engineering standards for a team and mentors others in software design.",
        ],
    },
    {
        "name": "Machine learning modelling",
        "category": "Machine learning",
        "description": "Choosing, training and tuning models suited to the problem and the data.",
        "target": 3,
        "levels": [
            "No experience of training models.",
            "Understands supervised and unsupervised learning and common model families.",
            "Trains and tunes standard models with scikit-learn or similar, with sound validation.",
            "Chooses and adapts models, including deep learning, for real service problems and explains trade-offs.",
            "Leads modelling approaches across projects and advises on novel methods.",
        ],
    },
    {
        "name": "Model evaluation and testing",
        "category": "Machine learning",
        "description": "Measuring whether a model is good enough, fair and robust, before and after release.",
        "target": 3,
        "levels": [
            "Does not evaluate models beyond accuracy.",
            "Knows common metrics and why a held-out test set matters.",
            "Chooses metrics for the problem, uses cross-validation and checks errors by group.",
            "Builds automated evaluation, robustness and regression tests into the pipeline.",
            "Defines evaluation standards and assurance for high-risk models.",
        ],
    },
    {
        "name": "MLOps and deployment",
        "category": "Engineering",
        "description": "Putting models into service and keeping them working: packaging, serving, monitoring, retraining.",
        "target": 3,
        "levels": [
            "Has not deployed a model.",
            "Knows the steps between a notebook and a live service.",
            "Packages a model as a container or API and deploys it with a pipeline.",
            "Runs models in production with monitoring, drift detection, versioning and rollback.",
            "Designs the organisation's ML platform and operating model.",
        ],
    },
    {
        "name": "Data engineering and pipelines",
        "category": "Data",
        "description": "Building reliable pipelines that move, clean and validate data for models.",
        "target": 2,
        "levels": [
            "Works only with data handed over as files.",
            "Understands ETL, schemas and data quality checks.",
            "Builds scheduled pipelines with validation using SQL and a workflow tool.",
            "Designs scalable, tested pipelines and feature stores used by several models.",
            "Sets data architecture and standards across services.",
        ],
    },
    {
        "name": "Cloud and infrastructure",
        "category": "Engineering",
        "description": "Using cloud services and infrastructure as code securely and within budget.",
        "target": 2,
        "levels": [
            "Has not used cloud services.",
            "Knows the main cloud services for compute, storage and ML.",
            "Provisions compute and storage for ML work, with access controls, using infrastructure as code.",
            "Designs secure, cost-aware cloud architectures for ML services.",
            "Leads cloud strategy and assurance for ML across an organisation.",
        ],
    },
    {
        "name": "Responsible AI and ethics",
        "category": "Responsible AI",
        "description": "Transparency, accountability, bias and fairness, and data protection in AI systems.",
        "target": 3,
        "levels": [
            "Not aware of the ethical risks of AI.",
            "Knows the main risks and the Algorithmic Transparency Recording Standard.",
            "Carries out bias checks and a data protection impact assessment with help.",
            "Leads ethical risk assessment and mitigation on a project and writes transparency records.",
            "Shapes organisational policy and governance for responsible AI.",
        ],
    },
    {
        "name": "Communicating with stakeholders",
        "category": "Delivery",
        "description": "Explaining models, uncertainty and limits to colleagues, users and decision makers.",
        "target": 3,
        "levels": [
            "Finds it hard to explain technical work to others.",
            "Explains results to technical colleagues.",
            "Presents findings and limitations clearly to non-technical audiences.",
            "Influences decisions with clear evidence, tailoring the message to each audience.",
            "Represents the organisation's AI work to senior leaders and the public.",
        ],
    },
    {
        "name": "Product and delivery in agile teams",
        "category": "Delivery",
        "description": "Working in multidisciplinary teams to deliver ML features users need, in small iterations.",
        "target": 2,
        "levels": [
            "Has not worked in a delivery team.",
            "Knows the agile phases (discovery, alpha, beta, live) and team roles.",
            "Works in sprints, writes user stories and shows work at show and tells.",
            "Shapes ML work into releasable increments with product managers and user researchers.",
            "Leads delivery of ML products across teams.",
        ],
    },
]
