#!/usr/bin/env python3
"""Checks of the deployment manifests in deploy/ against the real aiswatchd.

No container engine and no Kubernetes cluster run here, so this checks what can be checked
without them:

  Containerfile  two FROM stages (a debian:12 build stage, a debian:12-slim runtime stage); a
                 numeric non-root USER; EXPOSE 9464; the state VOLUME and STATE_DIRECTORY;
                 ENTRYPOINT ["aiswatchd", "run"]; every COPY source exists in the repository;
                 every library the binary needs (readelf NEEDED + dpkg -S, when available) comes
                 from a package the runtime stage installs or from the slim base; the HEALTHCHECK
                 command, run as it stands, passes against a live aiswatchd and fails against a
                 closed port.
  compose.yaml   kafka, topics and aiswatchd services; depends_on with conditions; health checks;
                 aiswatchd's brokers are the kafka service's in-network listener; the state volume
                 is a named volume; the `topics` script, run with a stub kafka-topics.sh, creates
                 every topic aiswatchd is configured with; no stray `$` that compose would
                 interpolate; aiswatchd's environment passes `aiswatchd config check`; its health
                 check passes against a live aiswatchd.
  Helm chart     Chart.yaml and values.yaml parse; the templates are rendered with `helm template`
                 when helm is installed, else with render_template() below, twice (default values,
                 and with `rules` filled from the repository's rules/, an `env` entry and a node
                 selector); every document parses and the kinds StatefulSet, ConfigMap, Service (a
                 headless one, the StatefulSet's serviceName, and a metrics one) and
                 PodDisruptionBudget are there; selectors match the pod labels; liveness /healthz,
                 readiness /readyz on the metrics port; prometheus.io scrape annotations; non-root,
                 read-only root filesystem, no privilege escalation, ALL capabilities dropped;
                 resources; a volumeClaimTemplate mounted where checkpoint.path points; the
                 ConfigMap's aiswatch.yaml passes `aiswatchd config check`, is the file --config
                 names, and its rules files (laid out as the kubelet mounts a ConfigMap, with
                 ..data symlinks) pass `aiswatchd rules check`.
  AISWATCH_*     every AISWATCH_* variable named anywhere in compose.yaml, the chart, the
                 Containerfile or the deploy READMEs is one the daemon knows (it refuses unknown
                 ones: `config check` names them).

Exit 0 pass, 1 fail, 77 skipped (PyYAML not importable).

The fallback renderer supports exactly the template constructs the chart uses: `{{ X }}`,
`{{- ... }}` (trimming the whitespace before), `{{- if X }}` / `{{- end }}`,
`{{- range $k, $v := X }}`, and the pipeline functions toYaml, nindent, indent and quote, where X
is .Values.a.b, .Release.Name, $var or a literal. Anything else is an error, so a template that
grows beyond it fails this test instead of being rendered wrong. A missing value is an error too
(helm would print an empty string).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import testlib  # noqa: E402

try:
    import yaml
except ImportError:
    print("SKIP: PyYAML (python3-yaml) is not installed")
    sys.exit(77)

ARGS = None
RELEASE = "rel"


CHECKS = testlib.Checklist()
check, ok, note = CHECKS.check, CHECKS.ok, CHECKS.note
clean_env = testlib.clean_env


# --------------------------------------------------------------------------------------------
# The daemon


def config_check(path, env=None):
    proc = subprocess.run([ARGS.aiswatchd, "config", "check", path], env=clean_env(env),
                          capture_output=True, text=True, timeout=30)
    return proc.returncode, (proc.stdout + proc.stderr).strip()


class LiveDaemon:
    """aiswatchd run on the embedded broker, no input, kept running, HTTP on an ephemeral port."""

    def __init__(self, workdir):
        self.err_path = os.path.join(workdir, "daemon.err")
        self.err = open(self.err_path, "w")
        env = clean_env({"AISWATCH_HTTP_PORT": "0", "AISWATCH_SAMPLE_FEED": "none",
                         "AISWATCH_EXIT_WHEN_DONE": "never",
                         "AISWATCH_RULES_DIR": os.path.join(ARGS.repo, "rules"),
                         "AISWATCH_OUTPUT_STDOUT_FORMAT": "none"})
        self.proc = subprocess.Popen([ARGS.aiswatchd, "run"], env=env, cwd=workdir,
                                     stdout=subprocess.DEVNULL, stderr=self.err)
        self.port = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            with open(self.err_path) as f:
                m = re.search(r"serving /metrics.*port=(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
                break
            time.sleep(0.1)
        if self.port is None:
            self.stop()
            with open(self.err_path) as f:
                raise RuntimeError("aiswatchd did not log its HTTP port:\n" + f.read())
        # /healthz answers as soon as the server is up.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    break
            except OSError:
                time.sleep(0.1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


def closed_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# --------------------------------------------------------------------------------------------
# Containerfile


def containerfile_instructions(text):
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def needed_packages():
    """Debian packages of the libraries the binary names as NEEDED, or None if not knowable."""
    if not shutil.which("readelf") or not shutil.which("dpkg") or not shutil.which("ldd"):
        return None
    dyn = subprocess.run(["readelf", "-d", ARGS.aiswatchd], capture_output=True, text=True)
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dyn.stdout)
    ldd = subprocess.run(["ldd", ARGS.aiswatchd], capture_output=True, text=True).stdout
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", ldd, re.M))
    packages = {}
    for lib in needed:
        path = paths.get(lib)
        if not path:
            return None
        real = os.path.realpath(path)
        for candidate in (real, path, "/usr" + path if not path.startswith("/usr") else path):
            proc = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
            if proc.returncode == 0:
                packages[lib] = proc.stdout.split(":")[0].strip()
                break
        else:
            return None
    return packages


def check_containerfile(daemon):
    path = os.path.join(ARGS.repo, "deploy/container/Containerfile")
    with open(path) as f:
        ins = containerfile_instructions(f.read())
    froms = [rest for word, rest in ins if word == "FROM"]
    check(len(froms) >= 2, f"Containerfile: {len(froms)} FROM stages (multi-stage)")
    check(froms and re.match(r"debian:12\s+AS\s+\w+", froms[0], re.I),
          f"Containerfile: build stage FROM {froms[0] if froms else '?'}")
    check(froms and froms[-1].split()[0] == "debian:12-slim",
          f"Containerfile: runtime stage FROM {froms[-1] if froms else '?'}")
    # Instructions of the last (runtime) stage.
    last_from = max(i for i, (w, _) in enumerate(ins) if w == "FROM")
    runtime = ins[last_from:]
    users = [rest for word, rest in runtime if word == "USER"]
    user = users[-1].split(":")[0] if users else ""
    check(user.isdigit() and int(user) != 0,
          f"Containerfile: runtime USER {users[-1] if users else '(none)'} is numeric, not root")
    exposes = " ".join(rest for word, rest in runtime if word == "EXPOSE").split()
    check("9464" in exposes or "9464/tcp" in exposes, "Containerfile: EXPOSE 9464")
    volumes = " ".join(rest for word, rest in runtime if word == "VOLUME")
    check("/var/lib/aiswatch" in volumes, "Containerfile: VOLUME /var/lib/aiswatch")
    envs = " ".join(rest for word, rest in runtime if word == "ENV")
    check(re.search(r"STATE_DIRECTORY[= ]/var/lib/aiswatch", envs) is not None,
          "Containerfile: ENV STATE_DIRECTORY=/var/lib/aiswatch")
    entry = [rest for word, rest in runtime if word == "ENTRYPOINT"]
    check(entry and json.loads(entry[-1]) == ["aiswatchd", "run"],
          'Containerfile: ENTRYPOINT ["aiswatchd", "run"]')
    for word, rest in ins:
        if word == "COPY" and "--from=" not in rest:
            sources = [a for a in rest.split() if not a.startswith("--")][:-1]
            for src in sources:
                check(os.path.exists(os.path.join(ARGS.repo, src)),
                      f"Containerfile: COPY source {src} exists in the repository")
    # Runtime packages against the binary's NEEDED libraries.
    runs = " ".join(rest for word, rest in runtime if word == "RUN")
    m = re.search(r"apt-get install (.*?)(&&|$)", runs)
    installed = set(a for a in (m.group(1).split() if m else []) if not a.startswith("-"))
    packages = needed_packages()
    if packages is None:
        note("Containerfile: readelf/ldd/dpkg not usable here; runtime packages not checked "
             "against the binary")
    else:
        base = {"libc6", "libstdc++6", "libgcc-s1"}  # in debian:12-slim (apt needs them)
        for lib, package in sorted(packages.items()):
            check(package in installed or package in base,
                  f"Containerfile: {lib} comes from {package}, which the runtime stage "
                  + ("installs" if package in installed else "has in its base"))
    # The HEALTHCHECK command, run as the container engine would (exec form).
    hc = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    if not check(bool(hc), "Containerfile: HEALTHCHECK present"):
        return
    m = re.search(r"\bCMD\s+(\[.*\])\s*$", hc[-1])
    if not check(m is not None, "Containerfile: HEALTHCHECK uses the exec form CMD [...]"):
        return
    argv = json.loads(m.group(1))
    check("/healthz" in " ".join(argv), "Containerfile: HEALTHCHECK asks /healthz")
    run_healthcheck(argv, {"AISWATCH_HTTP_PORT": str(daemon.port)}, "Containerfile")
    bad = subprocess.run(argv, env=clean_env({"AISWATCH_HTTP_PORT": str(closed_port())}),
                         capture_output=True, timeout=10)
    check(bad.returncode != 0, "Containerfile: HEALTHCHECK fails against a closed port")


def run_healthcheck(argv, env, where):
    proc = subprocess.run(argv, env=clean_env(env), capture_output=True, text=True, timeout=10)
    check(proc.returncode == 0,
          f"{where}: health check command passes against a live aiswatchd ({' '.join(argv[:2])} ...)"
          + (f": {proc.stderr.strip()}" if proc.returncode else ""))


# --------------------------------------------------------------------------------------------
# compose.yaml


def unescape_compose(value):
    return value.replace("$$", "\x00").replace("\x00", "$")


def stray_dollars(node, where="", found=None):
    """Strings with a `$` compose would interpolate (not written `$$`)."""
    found = [] if found is None else found
    if isinstance(node, dict):
        for k, v in node.items():
            stray_dollars(v, f"{where}.{k}", found)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            stray_dollars(v, f"{where}[{i}]", found)
    elif isinstance(node, str) and "$" in node.replace("$$", ""):
        found.append(where)
    return found


def env_map(environment):
    if isinstance(environment, dict):
        return {str(k): "" if v is None else str(v) for k, v in environment.items()}
    out = {}
    for item in environment or []:
        k, _, v = str(item).partition("=")
        out[k] = v
    return out


def check_compose(daemon, workdir):
    path = os.path.join(ARGS.repo, "deploy/compose/compose.yaml")
    with open(path) as f:
        compose = yaml.safe_load(f)
    ok("compose.yaml parses")
    services = compose.get("services", {})
    present = [check(name in services, f"compose: service {name}")
               for name in ("kafka", "topics", "aiswatchd")]
    if not all(present):
        return
    kafka, topics, app = services["kafka"], services["topics"], services["aiswatchd"]
    check(stray_dollars(compose) == [],
          "compose: no `$` compose would interpolate (literal ones written `$$`)"
          + (f": {stray_dollars(compose)}" if stray_dollars(compose) else ""))

    kenv = env_map(kafka.get("environment"))
    check("broker" in kenv.get("KAFKA_PROCESS_ROLES", "")
          and "controller" in kenv.get("KAFKA_PROCESS_ROLES", ""),
          "compose: kafka is a KRaft broker and controller")
    check("healthcheck" in kafka, "compose: kafka has a healthcheck")

    build = app.get("build", {})
    dockerfile = os.path.normpath(os.path.join(os.path.dirname(path), build.get("context", "."),
                                               build.get("dockerfile", "Dockerfile")))
    check(dockerfile == os.path.normpath(os.path.join(ARGS.repo,
                                                      "deploy/container/Containerfile")),
          "compose: aiswatchd is built from deploy/container/Containerfile with the repository "
          "root as context")
    deps = app.get("depends_on", {})
    check(isinstance(deps, dict)
          and deps.get("kafka", {}).get("condition") == "service_healthy"
          and deps.get("topics", {}).get("condition") == "service_completed_successfully",
          "compose: aiswatchd depends on kafka healthy and topics completed")
    check(topics.get("depends_on", {}).get("kafka", {}).get("condition") == "service_healthy",
          "compose: topics depends on kafka healthy")

    aenv = env_map(app.get("environment"))
    brokers = aenv.get("AISWATCH_KAFKA_BROKERS", "")
    advertised = kenv.get("KAFKA_ADVERTISED_LISTENERS", "")
    check(brokers and all(re.search(r"://" + re.escape(b) + r"(,|$)", advertised)
                          for b in brokers.split(",")),
          f"compose: AISWATCH_KAFKA_BROKERS={brokers} is a listener kafka advertises "
          f"({advertised})")
    check(brokers.split(":")[0] in services, "compose: the brokers' host is a service name")
    check(aenv.get("AISWATCH_SAMPLE_FEED") == "builtin",
          "compose: AISWATCH_SAMPLE_FEED=builtin (input on a real cluster)")

    state = [v for v in app.get("volumes", []) if str(v).split(":")[1:2] == ["/var/lib/aiswatch"]]
    check(state and str(state[0]).split(":")[0] in (compose.get("volumes") or {}),
          "compose: /var/lib/aiswatch is a named volume")

    # The environment, exactly as compose passes it, through the daemon's own check.
    empty = os.path.join(workdir, "empty.yaml")
    with open(empty, "w") as f:
        f.write("{}\n")
    rc, out = config_check(empty, {k: unescape_compose(v) for k, v in aenv.items()})
    check(rc == 0, f"compose: aiswatchd's {len(aenv)} variables pass `aiswatchd config check`"
          + (f":\n{out}" if rc else ""))

    # The topics script with a stub kafka-topics.sh that records what it is asked to create.
    command = topics.get("command")
    script = unescape_compose(command[0] if isinstance(command, list) else command)
    created_log = os.path.join(workdir, "created.txt")
    stub = os.path.join(workdir, "kafka-topics.sh")
    with open(stub, "w") as f:
        f.write("#!/bin/bash\n"
                f"if [[ \" $* \" == *' --create '* ]]; then echo \"$*\" >> {created_log}; fi\n")
    os.chmod(stub, 0o755)
    proc = subprocess.run(["bash", "-c", script.replace("/opt/kafka/bin/kafka-topics.sh", stub)],
                          capture_output=True, text=True, timeout=30)
    check(proc.returncode == 0, "compose: the topics script runs (stub kafka-topics.sh)"
          + (f": {proc.stderr}" if proc.returncode else ""))
    created = {}
    if os.path.exists(created_log):
        for line in open(created_log):
            t = re.search(r"--topic (\S+)", line)
            p = re.search(r"--partitions (\d+)", line)
            if t:
                created[t.group(1)] = int(p.group(1)) if p else None
    wanted = aenv.get("AISWATCH_KAFKA_INPUT_TOPICS", "aiswatch.nmea").split(",") + [
        aenv.get("AISWATCH_KAFKA_ALERTS_TOPIC", "aiswatch.alerts")]
    if aenv.get("AISWATCH_KAFKA_JSON_TOPIC"):
        wanted.append(aenv["AISWATCH_KAFKA_JSON_TOPIC"])
    check(all(t in created for t in wanted),
          f"compose: topics creates {sorted(created)} ⊇ aiswatchd's topics {sorted(wanted)}")
    check(all(isinstance(n, int) and n >= 1 for n in created.values()),
          f"compose: every topic has a partition count {created}")

    hc = app.get("healthcheck", {}).get("test")
    if check(isinstance(hc, list) and hc and hc[0] == "CMD",
             "compose: aiswatchd has an exec-form healthcheck"):
        argv = [unescape_compose(a).replace("9464", str(daemon.port)) for a in hc[1:]]
        run_healthcheck(argv, {}, "compose (port 9464 replaced by the live daemon's)")
    return aenv


# --------------------------------------------------------------------------------------------
# Helm chart: rendering


class TemplateError(Exception):
    pass


ACTION = re.compile(r"\{\{(-?)(.*?)(-?)\}\}", re.S)


def parse_template(text, name):
    """A list of nodes: str, ('expr', e), ('if', e, body), ('range', k, v, e, body)."""
    root, stack = [], []
    current = root
    pos, trim_next = 0, False
    for m in ACTION.finditer(text):
        chunk = text[pos:m.start()]
        if trim_next:
            chunk = chunk.lstrip()
        if m.group(1):
            chunk = chunk.rstrip()
        current.append(chunk)
        trim_next = bool(m.group(3))
        pos = m.end()
        action = m.group(2).strip()
        if action.startswith("/*"):
            continue
        if action.startswith("if "):
            node = ["if", action[3:].strip(), []]
            current.append(node)
            stack.append(current)
            current = node[2]
        elif action.startswith("range "):
            rm = re.fullmatch(r"range\s+\$(\w+)\s*,\s*\$(\w+)\s*:=\s*(.+)", action)
            if not rm:
                raise TemplateError(f"{name}: unsupported range form {{{{ {action} }}}}")
            node = ["range", rm.group(1), rm.group(2), rm.group(3).strip(), []]
            current.append(node)
            stack.append(current)
            current = node[4]
        elif action == "end":
            if not stack:
                raise TemplateError(f"{name}: {{{{ end }}}} without a block")
            current = stack.pop()
        elif re.match(r"(else|with|define|template|include|block)\b", action):
            raise TemplateError(f"{name}: unsupported construct {{{{ {action} }}}}")
        else:
            current.append(("expr", action))
    if stack:
        raise TemplateError(f"{name}: unterminated block")
    chunk = text[pos:]
    current.append(chunk.lstrip() if trim_next else chunk)
    return root


def to_yaml(value):
    return yaml.safe_dump(value, default_flow_style=False, sort_keys=True,
                          allow_unicode=True).rstrip("\n")


def indent(n, text):
    pad = " " * n
    return pad + text.replace("\n", "\n" + pad)


FUNCTIONS = {
    "toYaml": (1, lambda v: to_yaml(v)),
    "nindent": (2, lambda n, v: "\n" + indent(int(n), v)),
    "indent": (2, lambda n, v: indent(int(n), v)),
    "quote": (1, lambda v: json.dumps(str(v))),
}


def evaluate_arg(token, scope):
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if token.startswith('"') and token.endswith('"'):
        return json.loads(token)
    m = re.fullmatch(r"(\$\w+|)((?:\.[A-Za-z_]\w*)+)", token)
    m2 = re.fullmatch(r"\$(\w+)", token)
    if m2:
        if m2.group(1) not in scope["vars"]:
            raise TemplateError(f"undefined variable {token}")
        return scope["vars"][m2.group(1)]
    if not m:
        raise TemplateError(f"unsupported argument {token!r}")
    value = scope["vars"][m.group(1)[1:]] if m.group(1) else scope["root"]
    for part in m.group(2).split(".")[1:]:
        if not isinstance(value, dict) or part not in value:
            raise TemplateError(f"no value for {token}")
        value = value[part]
    return value


def evaluate(expression, scope):
    value, first = None, True
    for command in expression.split("|"):
        tokens = command.split()
        if not tokens:
            raise TemplateError(f"empty command in {expression!r}")
        if tokens[0] in FUNCTIONS:
            arity, fn = FUNCTIONS[tokens[0]]
            args = [evaluate_arg(t, scope) for t in tokens[1:]]
            if not first:
                args.append(value)
            if len(args) != arity:
                raise TemplateError(f"{tokens[0]} takes {arity} arguments in {expression!r}")
            value = fn(*args)
        elif len(tokens) == 1 and first:
            value = evaluate_arg(tokens[0], scope)
        else:
            raise TemplateError(f"unsupported command {command.strip()!r}")
        first = False
    return value


def truthy(value):
    return not (value is None or value is False or value == 0 or value == "" or value == {}
                or value == [])


def scalar_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)) or value is None:
        raise TemplateError(f"printing a non-scalar {value!r}")
    return str(value)


def render_nodes(nodes, scope):
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif node[0] == "expr":
            out.append(scalar_text(evaluate(node[1], scope)))
        elif node[0] == "if":
            if truthy(evaluate(node[1], scope)):
                out.append(render_nodes(node[2], scope))
        elif node[0] == "range":
            collection = evaluate(node[3], scope)
            items = (sorted(collection.items()) if isinstance(collection, dict)
                     else list(enumerate(collection or [])))
            for k, v in items:
                inner = {"root": scope["root"], "vars": dict(scope["vars"], **{node[1]: k,
                                                                                node[2]: v})}
                out.append(render_nodes(node[4], inner))
    return "".join(out)


def deep_merge(base, override):
    out = dict(base)
    for k, v in override.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) \
            else v
    return out


def render_chart(chart_dir, overrides, workdir):
    """{template file name: rendered text}, with helm if installed, else render_template."""
    if shutil.which("helm"):
        values_file = os.path.join(workdir, "override-values.yaml")
        with open(values_file, "w") as f:
            yaml.safe_dump(overrides, f)
        proc = subprocess.run(["helm", "template", RELEASE, chart_dir, "-f", values_file],
                              capture_output=True, text=True, timeout=60)
        if proc.returncode != 0:
            raise TemplateError(f"helm template: {proc.stderr}")
        rendered, current = {}, None
        for line in proc.stdout.splitlines(keepends=True):
            m = re.match(r"# Source: [^/]+/templates/(\S+)", line)
            if m:
                current = m.group(1)
            if current:
                rendered[current] = rendered.get(current, "") + line
        return rendered
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = deep_merge(yaml.safe_load(f) or {}, overrides)
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    root = {"Values": values, "Release": {"Name": RELEASE, "Namespace": "default"},
            "Chart": {"Name": chart["name"], "Version": chart["version"],
                      "AppVersion": chart.get("appVersion", "")}}
    rendered = {}
    tdir = os.path.join(chart_dir, "templates")
    for name in sorted(os.listdir(tdir)):
        if not name.endswith((".yaml", ".yml")):
            continue
        with open(os.path.join(tdir, name)) as f:
            nodes = parse_template(f.read(), name)
        rendered[name] = render_nodes(nodes, {"root": root, "vars": {}})
    return rendered


# --------------------------------------------------------------------------------------------
# Helm chart: checks


def labels_match(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def kubelet_layout(directory, files):
    """Files as a ConfigMap volume shows them: ..data/ holds them, top-level symlinks."""
    data = os.path.join(directory, "..2024_01_01_00_00_00.000000000")
    os.makedirs(data)
    os.symlink(os.path.basename(data), os.path.join(directory, "..data"))
    for name, content in files.items():
        with open(os.path.join(data, name), "w") as f:
            f.write(content)
        os.symlink(os.path.join("..data", name), os.path.join(directory, name))


def check_chart_render(chart_dir, overrides, label, workdir):
    try:
        rendered = render_chart(chart_dir, overrides, workdir)
    except TemplateError as e:
        check(False, f"chart ({label}): renders: {e}")
        return None
    how = "helm template" if shutil.which("helm") else "the built-in renderer"
    docs = []
    for name, text in rendered.items():
        try:
            docs += [(name, d) for d in yaml.safe_load_all(text) if d]
        except yaml.YAMLError as e:
            check(False, f"chart ({label}): {name} rendered by {how} is YAML: {e}\n{text}")
            return None
    ok(f"chart ({label}): {len(docs)} documents rendered by {how}, each parses as YAML")
    kinds = {}
    for _, d in docs:
        kinds.setdefault(d.get("kind"), []).append(d)
    present = [check(kind in kinds, f"chart ({label}): has a {kind}")
               for kind in ("StatefulSet", "ConfigMap", "Service", "PodDisruptionBudget")]
    if not all(present):
        return None
    sts = kinds["StatefulSet"][0]
    cm = kinds["ConfigMap"][0]
    pod = sts["spec"]["template"]
    pod_labels = pod["metadata"]["labels"]
    check(labels_match(sts["spec"]["selector"]["matchLabels"], pod_labels),
          f"chart ({label}): StatefulSet selector matches its pod labels")
    headless = [s for s in kinds["Service"] if s["spec"].get("clusterIP") == "None"]
    others = [s for s in kinds["Service"] if s["spec"].get("clusterIP") != "None"]
    check(headless and headless[0]["metadata"]["name"] == sts["spec"]["serviceName"],
          f"chart ({label}): a headless Service is the StatefulSet's serviceName")
    check(any(p.get("port") == 9464 for s in others for p in s["spec"]["ports"]),
          f"chart ({label}): a metrics Service on 9464")
    for s in kinds["Service"]:
        check(labels_match(s["spec"]["selector"], pod_labels),
              f"chart ({label}): Service {s['metadata']['name']} selects the pods")
    pdb = kinds["PodDisruptionBudget"][0]
    check(labels_match(pdb["spec"]["selector"]["matchLabels"], pod_labels),
          f"chart ({label}): PodDisruptionBudget selects the pods")
    ann = pod["metadata"].get("annotations", {})
    check(ann.get("prometheus.io/scrape") == "true" and str(ann.get("prometheus.io/port")) ==
          "9464" and ann.get("prometheus.io/path") == "/metrics",
          f"chart ({label}): prometheus.io scrape/port/path annotations on the pods")

    spec = pod["spec"]
    c = spec["containers"][0]
    ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
    check(ports.get("metrics") == 9464, f"chart ({label}): container port metrics 9464")

    def probe_ok(probe, path):
        g = (probe or {}).get("httpGet", {})
        return g.get("path") == path and g.get("port") in ("metrics", 9464)
    check(probe_ok(c.get("livenessProbe"), "/healthz"),
          f"chart ({label}): liveness probe GET /healthz on the metrics port")
    check(probe_ok(c.get("readinessProbe"), "/readyz"),
          f"chart ({label}): readiness probe GET /readyz on the metrics port")
    psc, csc = spec.get("securityContext", {}), c.get("securityContext", {})
    run_as = csc.get("runAsUser", psc.get("runAsUser"))
    check((psc.get("runAsNonRoot") or csc.get("runAsNonRoot")) is True
          and isinstance(run_as, int) and run_as != 0,
          f"chart ({label}): runAsNonRoot with a numeric non-zero runAsUser ({run_as})")
    check(csc.get("readOnlyRootFilesystem") is True,
          f"chart ({label}): readOnlyRootFilesystem")
    check(csc.get("allowPrivilegeEscalation") is False,
          f"chart ({label}): allowPrivilegeEscalation false")
    check("ALL" in csc.get("capabilities", {}).get("drop", []),
          f"chart ({label}): capabilities drop ALL")
    res = c.get("resources", {})
    check(bool(res.get("requests")) and bool(res.get("limits")),
          f"chart ({label}): resources requests and limits")

    # The configuration file: the one --config names, and valid.
    mounts = {m["name"]: m for m in c.get("volumeMounts", [])}
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    args = c.get("args", [])
    config_path = args[args.index("--config") + 1] if "--config" in args else None
    config_key = None
    for name, m in mounts.items():
        v = volumes.get(name, {})
        if v.get("configMap", {}).get("name") == cm["metadata"]["name"]:
            for item in v["configMap"].get("items", []):
                if os.path.join(m["mountPath"], item["path"]) == config_path:
                    config_key = item["key"]
    check(config_key in cm.get("data", {}),
          f"chart ({label}): --config {config_path} is the ConfigMap's {config_key}")
    config_text = cm["data"].get(config_key or "aiswatch.yaml", "")
    config_file = os.path.join(workdir, f"aiswatch-{label}.yaml")
    with open(config_file, "w") as f:
        f.write(config_text)
    env = {}
    for e in c.get("env", []):
        env[e["name"]] = str(e.get("value", "secret-from-a-Secret"))
    aisw_env = {k: v for k, v in env.items() if k.startswith("AISWATCH_")}
    rc, out = config_check(config_file, aisw_env)
    check(rc == 0, f"chart ({label}): the ConfigMap's aiswatch.yaml with the container's "
          f"{len(aisw_env)} AISWATCH_* variables passes `aiswatchd config check`"
          + (f":\n{out}\n{config_text}" if rc else ""))
    config = yaml.safe_load(config_text) or {}

    # The checkpoint on the replica's own volume.
    vct = [t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])]
    check("state" in vct and mounts.get("state", {}).get("mountPath") == "/var/lib/aiswatch",
          f"chart ({label}): a volumeClaimTemplate mounted at /var/lib/aiswatch")
    cp = config.get("checkpoint", {}).get("path", "auto")
    check(cp.startswith("/var/lib/aiswatch/") or (cp == "auto" and env.get("STATE_DIRECTORY")
                                                  == "/var/lib/aiswatch"),
          f"chart ({label}): checkpoint.path {cp} is on that volume")
    check(config.get("http", {}).get("port", 9464) == 9464,
          f"chart ({label}): http.port is the probed and scraped 9464")
    return {"config": config, "cm": cm, "mounts": mounts, "volumes": volumes, "env": env}


def check_chart(workdir):
    chart_dir = os.path.join(ARGS.repo, "deploy/kubernetes/aiswatch")
    with open(os.path.join(chart_dir, "Chart.yaml")) as f:
        chart = yaml.safe_load(f)
    check(chart.get("apiVersion") == "v2" and chart.get("name") == "aiswatch"
          and chart.get("version"), "Chart.yaml: apiVersion v2, name aiswatch, a version")
    with open(os.path.join(chart_dir, "values.yaml")) as f:
        values = yaml.safe_load(f)
    check(values.get("replicas") == 1, "values.yaml parses; replicas default 1")
    check(values.get("rules") == {}, "values.yaml: rules empty (the image's built-in rules)")
    if shutil.which("helm"):
        proc = subprocess.run(["helm", "lint", chart_dir], capture_output=True, text=True)
        check(proc.returncode == 0, "helm lint" + (f": {proc.stdout}" if proc.returncode else ""))
    else:
        note("helm is not installed: templates rendered by the built-in renderer")

    default = check_chart_render(chart_dir, {}, "defaults", workdir)
    if default:
        check("rules" not in default["mounts"],
              "chart (defaults): no rules volume: the image's /etc/aiswatch/rules is used")
        check(default["config"].get("rules", {}).get("dir") == "/etc/aiswatch/rules",
              "chart (defaults): rules.dir /etc/aiswatch/rules")

    rules_dir = os.path.join(ARGS.repo, "rules")
    rule_files = {}
    for name in sorted(os.listdir(rules_dir)):
        if name.endswith(".geojson") or name in ("watchlist.csv", "detectors.yaml"):
            with open(os.path.join(rules_dir, name)) as f:
                rule_files[name] = f.read()
    overrides = {"rules": rule_files,
                 "env": [{"name": "AISWATCH_KAFKA_CONSUMER_SASL_PASSWORD",
                          "valueFrom": {"secretKeyRef": {"name": "s", "key": "password"}}},
                         {"name": "AISWATCH_LOG_LEVEL", "value": "debug"}],
                 "nodeSelector": {"kubernetes.io/os": "linux"}}
    custom = check_chart_render(chart_dir, overrides, "rules+env", workdir)
    if not custom:
        return
    mount = custom["mounts"].get("rules", {})
    check(mount.get("mountPath") == custom["config"].get("rules", {}).get("dir"),
          f"chart (rules+env): the rules volume is mounted at rules.dir ({mount.get('mountPath')})")
    items = custom["volumes"].get("rules", {}).get("configMap", {}).get("items", [])
    data = custom["cm"].get("data", {})
    check(sorted(i["key"] for i in items) == sorted(rule_files)
          and all(i["key"] in data for i in items),
          f"chart (rules+env): the rules volume projects the ConfigMap's {len(items)} rules files")
    check(all(data.get(k) == v for k, v in rule_files.items()),
          "chart (rules+env): the ConfigMap holds each rules file byte for byte")
    mounted = os.path.join(workdir, "mounted-rules")
    os.makedirs(mounted)
    kubelet_layout(mounted, {i["path"]: data.get(i["key"], "") for i in items})
    proc = subprocess.run([ARGS.aiswatchd, "rules", "check", mounted], capture_output=True,
                          text=True, timeout=30)
    check(proc.returncode == 0, "chart (rules+env): the mounted rules (kubelet layout, ..data "
          "symlinks) pass `aiswatchd rules check`"
          + (f":\n{proc.stdout}{proc.stderr}" if proc.returncode else ""))
    check(custom["env"].get("AISWATCH_LOG_LEVEL") == "debug",
          "chart (rules+env): values env reaches the container")


# --------------------------------------------------------------------------------------------
# Every AISWATCH_* name the deploy files mention


def check_variable_names(workdir):
    files = [os.path.join(ARGS.repo, p) for p in
             ("deploy/compose/compose.yaml", "deploy/compose/README.md",
              "deploy/container/Containerfile", "deploy/kubernetes/README.md")]
    chart_dir = os.path.join(ARGS.repo, "deploy/kubernetes/aiswatch")
    for base, _, names in os.walk(chart_dir):
        files += [os.path.join(base, n) for n in names]
    found = {}
    for path in files:
        if not os.path.exists(path):
            continue
        with open(path, errors="replace") as f:
            for name in re.findall(r"\bAISWATCH_[A-Z0-9_]*[A-Z0-9]\b", f.read()):
                found.setdefault(name, os.path.relpath(path, ARGS.repo))
    empty = os.path.join(workdir, "empty.yaml")
    with open(empty, "w") as f:
        f.write("{}\n")
    unknown = []
    for name in sorted(found):
        _, out = config_check(empty, {name: "1"})
        if re.search(re.escape(name) + r": unknown variable", out):
            unknown.append(f"{name} ({found[name]})")
    check(not unknown, f"{len(found)} AISWATCH_* variables named in deploy/ are all known to "
          "aiswatchd" + (f"; unknown: {', '.join(unknown)}" if unknown else ""))
    # The check itself works: a made-up name is refused.
    _, out = config_check(empty, {"AISWATCH_NO_SUCH_KEY": "1"})
    check("AISWATCH_NO_SUCH_KEY: unknown variable" in out,
          "config check refuses an unknown AISWATCH_* variable (the check above is meaningful)")


def main():
    global ARGS
    parser = testlib.deploy_test_parser()
    ARGS = parser.parse_args()
    ARGS.repo = os.path.abspath(ARGS.repo)
    ARGS.aiswatchd = os.path.abspath(ARGS.aiswatchd)
    with tempfile.TemporaryDirectory(prefix="aiswatch-manifests-") as workdir:
        daemon = LiveDaemon(workdir)
        try:
            check_containerfile(daemon)
            check_compose(daemon, workdir)
        finally:
            daemon.stop()
        check_chart(workdir)
        check_variable_names(workdir)
    return CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
