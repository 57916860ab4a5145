#!/usr/bin/env python3
"""`cmake --install` lays out what deploy/README.md says, and nothing else.

Installs the build into a temporary prefix and checks:
  - bin/aiswatchd is the built binary, executable, and answers --help and version;
  - share/aiswatch/rules/ holds exactly the repository's rules/ files, byte for byte, and
    `aiswatchd rules check` accepts the installed directory;
  - share/doc/aiswatch/examples/aiswatch.yaml is deploy/aiswatch.yaml and passes
    `aiswatchd config check`;
  - share/doc/aiswatch/ holds every docs/*.md;
  - no other file is installed (no tests, tools, /etc files or unit: those are the package's).
Exit 0 pass, 1 fail, 77 skipped (cmake not found).
"""
import filecmp
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import testlib  # noqa: E402

CHECKS = testlib.Checklist()
check = CHECKS.check


def run(cmd, **kwargs):
    # Checks the installed configuration file alone, without AISWATCH_* overrides.
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                          env=testlib.clean_env(), **kwargs)


def cmake_command(build):
    # The cmake that configured the build, so the install script matches it.
    cache = pathlib.Path(build, "CMakeCache.txt")
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.startswith("CMAKE_COMMAND:INTERNAL="):
                return line.split("=", 1)[1]
    return shutil.which("cmake")


def main():
    ap = testlib.deploy_test_parser()
    args = ap.parse_args()
    repo = pathlib.Path(args.repo)

    cmake = cmake_command(args.build)
    if not cmake:
        print("SKIP cmake not found")
        return 77

    with tempfile.TemporaryDirectory(prefix="aiswatch-install-") as tmp:
        prefix = pathlib.Path(tmp, "prefix")
        r = run([cmake, "--install", args.build, "--prefix", str(prefix)])
        if not check(r.returncode == 0, f"cmake --install {args.build} --prefix {prefix}"):
            print(r.stdout, r.stderr)
            return 1

        expected = set()

        # The binary.
        binary = prefix / "bin" / "aiswatchd"
        expected.add("bin/aiswatchd")
        if check(binary.is_file() and os.access(binary, os.X_OK), "bin/aiswatchd is an executable file"):
            check(filecmp.cmp(binary, args.aiswatchd, shallow=False),
                  f"bin/aiswatchd is the built {args.aiswatchd}")
            r = run([str(binary), "--help"])
            check(r.returncode == 0 and "usage: aiswatchd" in r.stdout + r.stderr,
                  "bin/aiswatchd --help runs")
            r = run([str(binary), "version"])
            check(r.returncode == 0 and r.stdout.startswith("aiswatchd "),
                  f"bin/aiswatchd version: {r.stdout.strip()}")

        # The default rules.
        rules_src = repo / "rules"
        rules_dst = prefix / "share" / "aiswatch" / "rules"
        src_files = sorted(p.name for p in rules_src.iterdir() if p.is_file())
        check(bool(src_files), f"the repository has rules ({len(src_files)} files)")
        for name in src_files:
            expected.add(f"share/aiswatch/rules/{name}")
            dst = rules_dst / name
            check(dst.is_file() and filecmp.cmp(rules_src / name, dst, shallow=False),
                  f"share/aiswatch/rules/{name} is rules/{name}")
        if binary.is_file():
            r = run([str(binary), "rules", "check", str(rules_dst)])
            check(r.returncode == 0, f"aiswatchd rules check share/aiswatch/rules: {r.stdout.strip()[:200]}")
            if r.returncode != 0:
                print(r.stdout, r.stderr)

        # The example configuration.
        example = prefix / "share" / "doc" / "aiswatch" / "examples" / "aiswatch.yaml"
        expected.add("share/doc/aiswatch/examples/aiswatch.yaml")
        if check(example.is_file(), "share/doc/aiswatch/examples/aiswatch.yaml installed"):
            check(filecmp.cmp(repo / "deploy" / "aiswatch.yaml", example, shallow=False),
                  "the example is deploy/aiswatch.yaml")
            if binary.is_file():
                r = run([str(binary), "config", "check", str(example)])
                check(r.returncode == 0, f"aiswatchd config check on the example: {r.stdout.strip()}")
                if r.returncode != 0:
                    print(r.stdout, r.stderr)

        # The docs.
        docs = sorted((repo / "docs").glob("*.md"))
        check(bool(docs), f"the repository has docs ({len(docs)})")
        for doc in docs:
            expected.add(f"share/doc/aiswatch/{doc.name}")
            dst = prefix / "share" / "doc" / "aiswatch" / doc.name
            check(dst.is_file() and filecmp.cmp(doc, dst, shallow=False),
                  f"share/doc/aiswatch/{doc.name} is docs/{doc.name}")

        # Nothing else: no test or tool binaries, no /etc or unit (the package adds those).
        installed = {str(p.relative_to(prefix)) for p in prefix.rglob("*") if not p.is_dir()}
        extra = sorted(installed - expected)
        check(not extra, "nothing else is installed" + (f": {extra}" if extra else
                                                         f" ({len(installed)} files)"))

    return CHECKS.summary()


if __name__ == "__main__":
    sys.exit(main())
