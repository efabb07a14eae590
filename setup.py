from setuptools import find_namespace_packages, setup

requires = [
    "pyramid>=2.0",
    "pyramid_jinja2>=2.10",
    "waitress>=3.0",
    "PasteDeploy>=3.0",
    "plaster_pastedeploy>=1.0",
    "rutter>=1.0",
    "dnspython>=2.9",
    "idna>=3.7",
    "psutil>=5.9",
    "SQLAlchemy>=2.0",
    "alembic>=1.13",
    "argon2-cffi>=23.1",
    "bcrypt>=4.1",
    "limits>=4.0",
    "pycurl>=7.45",
    # its frequency lists hold the common passwords new passwords are checked against
    "zxcvbn>=4.5",
    # the multi-process HTTP server of production.ini (egg:svc#granian, svc/web/server.py)
    "granian>=2.8,<3",
    # Swagger UI's assets for the API pages (served by svc, no CDN); follows Swagger UI's releases.
    "swagger-ui-py>=25.7",
    # /metrics, aggregated across granian's worker processes (multiprocess mode)
    "prometheus-client>=0.20",
    # the JSON-lines access and decision logs (svc.web.logs)
    "python-json-logger>=3.1",
    # OpenID Connect sign-in (svc/auth/oidc.py): the OAuth 2 client, PKCE and ID token checks
    "Authlib>=1.6",
    "requests>=2.31",
]

testing_extras = [
    "pytest>=8",
    "pytest-timeout",
    "webtest>=3.0",
    "schemathesis>=4.0",
    "jsonschema>=4.20",
    "beautifulsoup4",
    # dnspython's own DoH client (dns.query.https), which the tests point at svc
    "dnspython[doh]>=2.9",
    "trustme",
    # tests/browser drives Debian's chromium with it (never `playwright install`, which downloads a browser)
    "playwright>=1.45",
    # the suite runs the auth store on PostgreSQL too
    "psycopg[binary]>=3.1",
    # the Redis tests (tests/redis_server.py) need the redis extra's client
    "redis>=5.0",
]

# pip install 'svc[postgresql]' for svc.auth.db_url = postgresql+psycopg://...
postgresql_extras = ["psycopg[binary]>=3.1"]

# svc.auth.redis_url: the shared throttle and the revocation broadcast (svc/web/shared_state.py)
redis_extras = ["redis>=5.0"]

setup(
    name="svc",
    version="0.1.0",
    description="Pluggable Pyramid service for networking chores",
    packages=find_namespace_packages(include=["svc", "svc.*"]),
    include_package_data=True,
    package_data={"": ["*.jinja2", "*.css", "*.ico", "*.mako", "*.js"]},
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=requires,
    extras_require={"testing": testing_extras, "postgresql": postgresql_extras, "redis": redis_extras},
    entry_points={
        "paste.app_factory": [
            "main = svc:main",
            "home = svc:home_app",
            "urls = svc:urls_app",
            "dns = svc:dns_app",
            "net = svc:net_app",
            "auth = svc:auth_app",
            "fetch = svc:fetch_app",
        ],
        "paste.composite_factory": [
            "urlmap = svc.web.mounts:urlmap_factory",
        ],
        "paste.filter_factory": [
            "accesslog = svc.web.accesslog:filter_factory",
            "ops = svc.web.ops:filter_factory",
            "auth = svc.auth.middleware:filter_factory",
            "require = svc.auth.require:filter_factory",
        ],
        "paste.server_factory": [
            "granian = svc.web.server:granian_server_factory",
        ],
        "console_scripts": [
            "svc-admin = svc.auth.cli:main",
        ],
    },
)
