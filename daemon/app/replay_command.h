#pragma once
// `aiswatchd replay --rules DIR --input FILE [--input FILE...] --alerts OUT.jsonl`: the whole
// detection pipeline (detect/engine.h) over recorded NMEA in event time, as fast as it goes; one
// JSON line per alert event (alert/json_lines.h) in OUT.jsonl ('-': standard output), and a
// summary on standard error at the end.
//
// Decisions:
//  - Inputs go through ONE engine in the order given, so event time (and the watermark) runs
//    across files: give a day's files in time order. Fragments may span a file boundary.
//  - Event time is the tag-block time (c:). Files carry no arrival time, so a message without a
//    tag-block time is counted as "untimed" and not detected on: replay needs NMEA 4.0 tag blocks.
//  - Invalid rules print every error (as `aiswatchd rules check` does) and exit 1 before any
//    input is read; detectors never start on bad rules.
//  - Every input is opened before any is read; if one cannot be opened, each such file is named
//    and the command exits 1 without replaying (a missing file would look like silence, and
//    silence is what the dark-period detector alerts on). A read error in the middle of a file
//    is named, replay stops there, the alerts so far are closed ("end of input") and written,
//    and the exit code is 1.
//  - The output depends only on the rules and the inputs: the same input gives the same bytes.
//    Only the summary's messages per second reads the clock (here, in the app layer).
#include <cstdio>
#include <string>
#include <vector>

namespace aiswatch::app {

// Runs the command with its arguments (after "replay"); returns the exit code: 0 on success,
// 1 on invalid rules, an unreadable input or an unwritable output, 2 on a usage error. `out` is
// where `--alerts -` writes.
int run_replay(const std::vector<std::string>& args, std::FILE* out, std::FILE* err);

}  // namespace aiswatch::app
