#!/usr/bin/env python3
"""The Debian package: built by CPack, inspected, and (in CI, as root) installed and run.

Always (needs cpack and dpkg-deb):
  - `cpack -G DEB --config BUILD/CPackConfig.cmake` makes aiswatchd_VERSION_ARCH.deb, VERSION
    from project(VERSION) in CMakeLists.txt, ARCH from `dpkg --print-architecture`;
  - control fields: Package, Version, Architecture, and Depends naming adduser and the package of
    every shared library the binary needs (readelf's NEEDED, located by ldd, owned per `dpkg -S`);
  - conffiles: /etc/aiswatch/aiswatch.yaml and every /etc/aiswatch/rules/ file;
    postinst, prerm and postrm present, executable, and valid sh (`sh -n`);
  - contents: /usr/bin/aiswatchd (root, 0755, runs --help), /lib/systemd/system/aiswatchd.service
    and /etc/aiswatch/aiswatch.yaml equal to deploy/, the rules in /usr/share/aiswatch/rules and
    /etc/aiswatch/rules equal to rules/, the docs and example config, nothing else; all root-owned.
Only with CI=true and running as root (it changes the machine):
  - `apt-get install -y ./aiswatchd_*.deb`: the system user aiswatch exists (home
    /var/lib/aiswatch, no login shell), /var/lib/aiswatch is owned by it and not world-readable,
    the installed config and rules pass `config check` / `rules check`;
  - /usr/bin/aiswatchd run as user aiswatch (setpriv, which execs: the exit status is the
    daemon's) on the embedded Kafka with an ephemeral HTTP port: GET /healthz answers 200, SIGTERM
    ends it with exit 0;
  - `apt-get remove -y aiswatchd` removes the binary and the unit and keeps /var/lib/aiswatch,
    the user and the conffiles; then purge (to leave the machine as it was) removes those files
    and the state directory.
Exit 0 pass, 1 fail, 77 skipped (cpack or dpkg-deb missing).
"""
import http.client
import io
import json
import os
import pathlib
import pwd
import re
import shutil
import signal
import stat
import subprocess
import sys
import tarfile
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import testlib  # noqa: E402

CHECKS = testlib.Checklist()
check = CHECKS.check


def run(cmd, timeout=120, **kwargs):
    env = testlib.clean_env({"LC_ALL": "C"})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, **kwargs)


def cmake_tool(build, name):
    # cpack beside the cmake that configured the build.
    cache = pathlib.Path(build, "CMakeCache.txt")
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.startswith("CMAKE_COMMAND:INTERNAL="):
                candidate = pathlib.Path(line.split("=", 1)[1]).with_name(name)
                if candidate.exists():
                    return str(candidate)
    return shutil.which(name)


def project_version(repo):
    text = (repo / "CMakeLists.txt").read_text()
    m = re.search(r"project\(\s*aiswatch\s+VERSION\s+([0-9.]+)", text)
    return m.group(1) if m else None


def needed_packages(binary):
    """Debian packages owning the libraries in the binary's NEEDED entries."""
    readelf = shutil.which("readelf")
    if not readelf:
        return None
    needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run([readelf, "-d", binary]).stdout)
    paths = dict(re.findall(r"^\s*(\S+) => (\S+)", run(["ldd", binary]).stdout, re.M))
    packages = {}
    for lib in needed:
        path = paths.get(lib)
        if not path:
            packages[lib] = None
            continue
        owner = None
        # Debian 12 has merged /usr: dpkg knows a library under the path its package ships.
        for candidate in {path, os.path.realpath(path), "/usr" + path if path.startswith("/lib") else path,
                          path[4:] if path.startswith("/usr/lib") else path}:
            r = run(["dpkg", "-S", candidate])
            if r.returncode == 0:
                owner = r.stdout.split(":", 1)[0].strip()
                break
        packages[lib] = owner
    return packages


def depends_names(depends):
    names = set()
    for clause in depends.split(","):
        for alternative in clause.split("|"):
            name = alternative.strip().split(" ")[0].split(":")[0]
            if name:
                names.add(name)
    return names


def inspect(deb, repo, binary, tmp, version, arch):
    field = lambda name: run(["dpkg-deb", "--field", str(deb), name]).stdout.strip()
    check(field("Package") == "aiswatchd", f"Package: {field('Package')}")
    check(field("Version") == version, f"Version: {field('Version')} (project VERSION {version})")
    check(field("Architecture") == arch, f"Architecture: {field('Architecture')}")
    depends = field("Depends")
    names = depends_names(depends)
    print(f"     Depends: {depends}")
    check("adduser" in names, "Depends names adduser (postinst)")
    packages = needed_packages(binary)
    if packages is None:
        print("note readelf not installed: Depends not compared with the binary's libraries")
    else:
        for lib, owner in sorted(packages.items()):
            check(owner is not None and owner in names, f"Depends names {owner} (for {lib})")

    # Control archive: conffiles and maintainer scripts.
    control = tarfile.open(fileobj=io.BytesIO(
        subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(deb)], capture_output=True, check=True).stdout))
    members = {pathlib.PurePosixPath(m.name).name: m for m in control.getmembers() if m.isfile()}
    rules = sorted(p.name for p in (repo / "rules").iterdir() if p.is_file())
    want_conffiles = ["/etc/aiswatch/aiswatch.yaml"] + [f"/etc/aiswatch/rules/{n}" for n in rules]
    conffiles = control.extractfile(members["conffiles"]).read().decode().split() if "conffiles" in members else []
    check(sorted(conffiles) == sorted(want_conffiles),
          f"conffiles: {len(conffiles)} ({', '.join(conffiles[:2])}, ...) = the config and every rules file")
    for script in ("postinst", "prerm", "postrm"):
        m = members.get(script)
        if check(m is not None and m.mode & 0o777 == 0o755, f"{script} in the package, mode 0755"):
            body = control.extractfile(m).read()
            check(body == (repo / "deploy" / "debian" / script).read_bytes(), f"{script} is deploy/debian/{script}")
            r = subprocess.run(["sh", "-n"], input=body, capture_output=True, timeout=30)
            check(r.returncode == 0, f"{script} is valid sh")

    # Data archive: paths, modes, owners, contents.
    data = tarfile.open(fileobj=io.BytesIO(
        subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout))
    entries = {m.name.lstrip("."): m for m in data.getmembers()}
    files = {n: m for n, m in entries.items() if not m.isdir()}
    check(all(m.uname == "root" and m.gname == "root" for m in entries.values()), "every entry is root:root")
    expected = {"/usr/bin/aiswatchd", "/lib/systemd/system/aiswatchd.service",
                "/etc/aiswatch/aiswatch.yaml", "/usr/share/doc/aiswatch/examples/aiswatch.yaml"}
    expected |= {f"/etc/aiswatch/rules/{n}" for n in rules}
    expected |= {f"/usr/share/aiswatch/rules/{n}" for n in rules}
    expected |= {f"/usr/share/doc/aiswatch/{p.name}" for p in (repo / "docs").glob("*.md")}
    missing, extra = sorted(expected - files.keys()), sorted(files.keys() - expected)
    check(not missing, "every expected file is in the package" + (f" (missing {missing})" if missing else ""))
    check(not extra, f"nothing else ({len(files)} files)" + (f" (extra {extra})" if extra else ""))

    extracted = pathlib.Path(tmp, "extracted")
    r = run(["dpkg-deb", "-x", str(deb), str(extracted)])
    check(r.returncode == 0, "dpkg-deb -x")
    same = lambda a, b: pathlib.Path(extracted, a.lstrip("/")).read_bytes() == pathlib.Path(b).read_bytes()
    bin_entry = files.get("/usr/bin/aiswatchd")
    if check(bin_entry is not None and bin_entry.mode & 0o777 == 0o755, "/usr/bin/aiswatchd mode 0755"):
        r = run([str(extracted / "usr/bin/aiswatchd"), "--help"])
        check(r.returncode == 0 and "usage: aiswatchd" in r.stdout + r.stderr, "the packaged aiswatchd runs --help")
    for path, source in [("/lib/systemd/system/aiswatchd.service", repo / "deploy/systemd/aiswatchd.service"),
                         ("/etc/aiswatch/aiswatch.yaml", repo / "deploy/aiswatch.yaml"),
                         ("/usr/share/doc/aiswatch/examples/aiswatch.yaml", repo / "deploy/aiswatch.yaml")]:
        if path in files:
            check(same(path, source) and files[path].mode & 0o777 == 0o644,
                  f"{path} is {source.relative_to(repo)}, mode 0644")
    for n in rules:
        for d in ("/etc/aiswatch/rules", "/usr/share/aiswatch/rules"):
            if f"{d}/{n}" in files:
                check(same(f"{d}/{n}", repo / "rules" / n), f"{d}/{n} is rules/{n}")


def http_status(port, path):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status
    except OSError:
        return None


def install_and_run(deb, tmp):
    env = testlib.clean_env({"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"})
    installed = False
    try:
        r = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", str(deb.resolve())],
                           capture_output=True, text=True, timeout=300, env=env)
        installed = check(r.returncode == 0, "apt-get install -y ./" + deb.name)
        if not installed:
            print(r.stdout, r.stderr)
            return

        try:
            user = pwd.getpwnam("aiswatch")
        except KeyError:
            user = None
        if check(user is not None, "user aiswatch exists"):
            check(user.pw_uid < 1000 and user.pw_dir == "/var/lib/aiswatch"
                  and user.pw_shell.endswith(("nologin", "false")),
                  f"aiswatch is a system user (uid {user.pw_uid}, home {user.pw_dir}, shell {user.pw_shell})")
            r = subprocess.run(["getent", "group", "aiswatch"], capture_output=True, text=True)
            check(r.returncode == 0 and int(r.stdout.split(":")[2]) == user.pw_gid, "group aiswatch is its group")
            st = os.stat("/var/lib/aiswatch")
            check(st.st_uid == user.pw_uid and st.st_gid == user.pw_gid and not st.st_mode & stat.S_IROTH,
                  f"/var/lib/aiswatch owned by aiswatch:aiswatch, mode {oct(st.st_mode & 0o777)}")
        r = run(["dpkg-query", "-W", "-f", "${Conffiles}", "aiswatchd"])
        check("/etc/aiswatch/aiswatch.yaml" in r.stdout, "dpkg records /etc/aiswatch/aiswatch.yaml as a conffile")
        r = run(["/usr/bin/aiswatchd", "config", "check", "/etc/aiswatch/aiswatch.yaml"])
        check(r.returncode == 0, f"installed config: {r.stdout.strip()}")
        r = run(["/usr/bin/aiswatchd", "rules", "check", "/etc/aiswatch/rules"])
        check(r.returncode == 0, f"installed rules: {r.stdout.strip()[:200]}")
        check(os.path.isfile("/lib/systemd/system/aiswatchd.service"), "/lib/systemd/system/aiswatchd.service installed")
        if user is None:
            return

        # The daemon as the service user: embedded Kafka, HTTP on an ephemeral loopback port.
        os.chmod(tmp, 0o711)  # the daemon's user reaches its config, not the rest
        run_dir = pathlib.Path(tmp, "run")
        run_dir.mkdir()
        run_dir.chmod(0o755)
        config = run_dir / "aiswatch.yaml"
        config.write_text("rules:\n  dir: /etc/aiswatch/rules\nkafka:\n  brokers: embedded\n"
                          "exit_when_done: never\nhttp:\n  address: 127.0.0.1\n  port: 0\n"
                          "log:\n  format: json\noutput:\n  stdout_format: none\n")
        config.chmod(0o644)
        log_path = run_dir / "stderr.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(["setpriv", "--reuid=aiswatch", "--regid=aiswatch", "--init-groups",
                                     "--inh-caps=-all", "/usr/bin/aiswatchd", "run", "--config", str(config)],
                                    stdout=subprocess.DEVNULL, stderr=log, cwd="/var/lib/aiswatch",
                                    env=dict(env, STATE_DIRECTORY="/var/lib/aiswatch"))
        try:
            port, status, deadline = None, None, time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if port is None:
                    for line in log_path.read_text().splitlines():
                        if line.startswith("{"):
                            try:
                                event = json.loads(line)
                            except ValueError:
                                continue
                            if event.get("component") == "http" and event.get("msg") == "listening":
                                port = int(event["address"].rsplit(":", 1)[1])
                if port is not None:
                    status = http_status(port, "/healthz")
                    if status == 200:
                        break
                time.sleep(0.2)
            uid = None
            if proc.poll() is None:
                for line in pathlib.Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                    if line.startswith("Uid:"):
                        uid = int(line.split()[1])
            check(uid == user.pw_uid, f"the daemon runs as aiswatch (uid {uid})")
            check(status == 200, f"GET /healthz on port {port}: {status}")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
        check(code == 0, f"SIGTERM: exit status {code}")
        if code != 0 or status != 200:
            print(log_path.read_text()[-4000:])
    finally:
        if installed:
            r = subprocess.run(["apt-get", "remove", "-y", "aiswatchd"], capture_output=True, text=True,
                               timeout=300, env=env)
            check(r.returncode == 0, "apt-get remove -y aiswatchd")
            check(not os.path.exists("/usr/bin/aiswatchd")
                  and not os.path.exists("/lib/systemd/system/aiswatchd.service"),
                  "remove: the binary and the unit are gone")
            check(os.path.isdir("/var/lib/aiswatch") and os.path.isfile("/etc/aiswatch/aiswatch.yaml"),
                  "remove: /var/lib/aiswatch and the conffiles stay")
            r = subprocess.run(["apt-get", "purge", "-y", "aiswatchd"], capture_output=True, text=True,
                               timeout=300, env=env)
            check(r.returncode == 0 and not os.path.exists("/var/lib/aiswatch")
                  and not os.path.exists("/etc/aiswatch/aiswatch.yaml"),
                  "purge: the state directory and conffiles are gone")
            r = subprocess.run(["getent", "passwd", "aiswatch"], capture_output=True)
            check(r.returncode == 0, "purge keeps the system user (Debian practice)")


def main():
    ap = testlib.deploy_test_parser()
    args = ap.parse_args()
    repo = pathlib.Path(args.repo)

    cpack = cmake_tool(args.build, "cpack")
    tools = {"cpack": cpack, "dpkg-deb": shutil.which("dpkg-deb"), "dpkg": shutil.which("dpkg")}
    missing = [n for n, p in tools.items() if not p]
    if missing:
        print(f"SKIP not installed: {missing}")
        return 77
    config = pathlib.Path(args.build, "CPackConfig.cmake")
    if not check(config.is_file(), f"{config} exists (include(CPack))"):
        return 1
    version = project_version(repo)
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()

    with tempfile.TemporaryDirectory(prefix="aiswatch-deb-") as tmp:
        out = pathlib.Path(tmp, "out")
        r = run([cpack, "-G", "DEB", "--config", str(config), "-B", str(out)], timeout=300)
        if not check(r.returncode == 0, f"cpack -G DEB --config {config} -B {out}"):
            print(r.stdout, r.stderr)
            return 1
        debs = sorted(out.glob("*.deb"))
        want = f"aiswatchd_{version}_{arch}.deb"
        check([d.name for d in debs] == [want], f"one package, {want}: {[d.name for d in debs]}")
        if not debs:
            return 1
        deb = debs[0]
        inspect(deb, repo, args.aiswatchd, tmp, version, arch)

        if os.environ.get("CI") == "true" and os.geteuid() == 0:
            if shutil.which("apt-get") and shutil.which("setpriv"):
                install_and_run(deb, tmp)
            else:
                check(False, "CI=true as root, but apt-get or setpriv is missing")
        else:
            print("note install/run/remove not done: only with CI=true and as root (it changes the machine)")

    return CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
