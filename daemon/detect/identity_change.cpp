#include "detect/identity_change.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ais/identity.h"
#include "alert/alert_id.h"
#include "detect/common.h"

namespace aiswatch::detect {
namespace {

using ruleset::ThresholdId;

constexpr uint16_t identity_bits =
    track::change_name | track::change_callsign | track::change_imo | track::change_ship_type;
constexpr uint16_t position_bits =
    track::change_position | track::change_track | track::change_track_restarted;

uint32_t text_hash(std::string_view text) {
  if (text.empty()) return 0;
  const auto h = static_cast<uint32_t>(alert::fnv1a64(text));
  return h == 0 ? 1 : h;  // 0 means "no previous value"
}

// ITU-R M.1371-5 Table 53: in these decades the second digit is the hazardous cargo category
// (or "reserved"), so 80 -> 81 is the same kind of ship with another cargo.
bool same_kind_of_ship(uint8_t a, uint8_t b) {
  const int decade = a / 10;
  if (decade != b / 10) return false;
  return decade == 2 || decade == 4 || decade == 6 || decade == 7 || decade == 8 || decade == 9;
}

// Only ship MMSIs (MIDxxxxxx) are one vessel each. Numbers of no valid form (000000000,
// 001193046 = 0x123456, transponder defaults) are shared by many unconfigured transponders:
// their "changes" are different vessels; aids to navigation, SAR aircraft and craft of a parent
// ship carry no identity of their own to launder.
bool judged(const track::VesselState& v) { return v.category == ais::MmsiCategory::ship; }

// An IMO number has seven digits (IMO Resolution A.1078(28)). Other values are not an attempt
// at one: an unset field (all 30 bits set: 1073741823), an MMSI or a registry number typed in.
bool seven_digits(uint32_t imo) { return imo >= 1'000'000u && imo <= 9'999'999u; }

void separate(std::string& reason) {
  if (!reason.empty()) reason += "; ";
}

void append_text_change(std::string& reason, std::string_view field, std::string_view before,
                        std::string_view after) {
  separate(reason);
  reason.append(field).append(" \"").append(before).append("\" -> \"").append(after).append("\"");
}

// A transmitted text, at most N characters, read back into its fixed-size form.
template <std::size_t N>
void put_text(state::StateWriter& out, const ais::SixBitText<N>& text) {
  out.put_string(text.view());
}
template <std::size_t N>
ais::SixBitText<N> get_text(state::StateReader& in) {
  ais::SixBitText<N> text;
  const std::string raw = in.get_string(N);
  std::copy(raw.begin(), raw.end(), text.chars.begin());
  text.length = static_cast<uint8_t>(raw.size());
  return text;
}

}  // namespace

IdentityChangeDetector::Known& IdentityChangeDetector::known_of(const track::VesselState& v,
                                                                bool new_vessel, Context& context) {
  const uint32_t slot = context.tracker.slot_of(v);
  if (slot >= known_.size())
    known_.resize(std::max<std::size_t>(context.tracker.slot_count(), slot + 1));
  Known& k = known_[slot];
  // A slot reused for another vessel (the previous one evicted) starts from nothing.
  if (new_vessel || k.mmsi != v.mmsi) {
    k = Known{};
    k.mmsi = v.mmsi;
  }
  return k;
}

void IdentityChangeDetector::on_update(const Observation& observation, Context& context) {
  const track::UpdateResult& u = observation.update;
  const uint16_t changes = u.changes;
  if ((changes & (identity_bits | track::change_new_vessel)) != 0) {
    if (u.vessel != nullptr) on_identity(u, context);
    return;
  }
  if ((changes & position_bits) != 0) {
    // The common case: a position report. Only a vessel's first position matters here (the
    // once-per-vessel checks waited for it); the state was just written by the tracker.
    if ((changes & track::change_position) == 0 || u.vessel->track_size() != 1) return;
    on_identity(u, context);
    return;
  }
  // A static report that changed no identity field (the same type 5 every 6 minutes): the IMO
  // number is heard again.
  if (u.vessel == nullptr || !u.counts_as_heard()) return;
  const track::StaticData& s = u.vessel->statics;
  if (s.imo && s.identity_seen_ms == u.event_time_ms && judged(*u.vessel))
    note_imo(*u.vessel, u.event_time_ms, context);
}

void IdentityChangeDetector::on_identity(const track::UpdateResult& u, Context& context) {
  const track::VesselState& v = *u.vessel;
  if (u.outcome == track::UpdateOutcome::duplicate || !judged(v)) return;
  Known& k = known_of(v, (u.changes & track::change_new_vessel) != 0, context);
  const track::StaticData& s = v.statics;
  const int64_t t = u.event_time_ms;
  const bool recent = k.changed_ms != 0 && t - k.changed_ms <= config_.alternation_window_ms;
  std::string reason;
  bool changed = false;

  if (s.name.length != 0 && !(s.name == k.name)) {
    if (k.name.length != 0) {
      changed = true;
      if (!(recent && text_hash(s.name.view()) == k.previous_name_hash))
        append_text_change(reason, "name", k.name.view(), s.name.view());
      k.previous_name_hash = text_hash(k.name.view());
    }
    k.name = s.name;
  }
  if (s.callsign.length != 0 && !(s.callsign == k.callsign)) {
    if (k.callsign.length != 0) {
      changed = true;
      if (!(recent && text_hash(s.callsign.view()) == k.previous_callsign_hash))
        append_text_change(reason, "call sign", k.callsign.view(), s.callsign.view());
      k.previous_callsign_hash = text_hash(k.callsign.view());
    }
    k.callsign = s.callsign;
  }
  if (s.imo && *s.imo != k.imo) {
    if (k.imo != 0) {
      changed = true;
      if (!(recent && *s.imo == k.previous_imo)) {
        separate(reason);
        reason.append("IMO ")
            .append(std::to_string(k.imo))
            .append(" -> ")
            .append(std::to_string(*s.imo));
      }
      k.previous_imo = k.imo;
    }
    k.imo = *s.imo;
  }
  if (s.ship_type && *s.ship_type != k.ship_type) {
    if (k.ship_type != 0 && !same_kind_of_ship(k.ship_type, *s.ship_type)) {
      changed = true;
      if (!(recent && *s.ship_type == k.previous_ship_type)) {
        separate(reason);
        reason.append("ship type ")
            .append(std::to_string(k.ship_type))
            .append(" -> ")
            .append(std::to_string(*s.ship_type));
      }
      k.previous_ship_type = k.ship_type;
    }
    k.ship_type = *s.ship_type;
  }
  if (changed) k.changed_ms = std::max(k.changed_ms, t);

  // The IMO number heard with this report (the identity group was set by it).
  if (s.imo && s.identity_seen_ms == t && u.counts_as_heard()) note_imo(v, t, context);

  if (!v.position) return;  // nowhere to put an alert: the identity above is the baseline
  check_findings(v, k, reason);
  if (reason.empty()) return;
  alert::EpisodeReport r;
  r.key = {aiswatch::v1::ALERT_TYPE_IDENTITY_CHANGE, v.mmsi, 0, "", t};
  r.time_ms = t;
  r.lat = v.position->lat;
  r.lon = v.position->lon;
  r.vessel = snapshot_of(v);
  r.evidence.push_back(evidence_of(v));
  r.reason = std::move(reason);
  context.alerts.instant(r);
}

void IdentityChangeDetector::check_findings(const track::VesselState& v, Known& k,
                                            std::string& reason) const {
  if ((k.reported & finding_mid_unallocated) == 0 && v.category == ais::MmsiCategory::ship &&
      v.flag == nullptr) {
    k.reported |= finding_mid_unallocated;
    separate(reason);
    reason.append("MMSI ")
        .append(std::to_string(v.mmsi))
        .append(": MID ")
        .append(std::to_string(ais::classify_mmsi(v.mmsi).mid))
        .append(" is allocated to no country");
  }
  const track::StaticData& s = v.statics;
  if ((k.reported & finding_imo_invalid) == 0 && s.imo && seven_digits(*s.imo) &&
      !ais::imo_check_digit_valid(*s.imo)) {
    k.reported |= finding_imo_invalid;
    separate(reason);
    reason.append("IMO ").append(std::to_string(*s.imo)).append(" fails its check digit");
  }
  if ((k.reported & finding_callsign_flag) == 0 && v.flag != nullptr && s.callsign.length != 0 &&
      ais::callsign_fits_flag(s.callsign.view(), v.flag->iso2) == false) {
    k.reported |= finding_callsign_flag;
    separate(reason);
    reason.append("call sign \"")
        .append(s.callsign.view())
        .append("\" is of the ")
        .append(ais::callsign_country(s.callsign.view()))
        .append(" series, the MMSI's MID ")
        .append(std::to_string(v.flag->mid))
        .append(" of ")
        .append(v.flag->iso2);
  }
}

void IdentityChangeDetector::note_imo(const track::VesselState& v, int64_t t, Context& context) {
  const uint32_t imo = *v.statics.imo;
  if (!ais::imo_check_digit_valid(imo)) return;
  auto it = imo_holders_.find(imo);
  if (it == imo_holders_.end()) {
    if (imo_holders_.size() >= config_.max_imo_entries) return;
    it = imo_holders_.emplace(imo, ImoHolders{}).first;
  }
  ImoHolders& h = it->second;
  int self = h.mmsi[0] == v.mmsi ? 0 : h.mmsi[1] == v.mmsi ? 1 : -1;
  if (self < 0) {
    // A new holder takes an empty place, else the one heard longest ago: a new pair.
    self = h.mmsi[0] == 0 ? 0 : h.mmsi[1] == 0 ? 1 : (h.last_ms[0] <= h.last_ms[1] ? 0 : 1);
    h.mmsi[self] = v.mmsi;
    h.last_ms[self] = t;
    h.pair_reported = false;
  }
  h.last_ms[self] = std::max(h.last_ms[self], t);
  const int other = 1 - self;
  if (h.pair_reported || h.mmsi[other] == 0 || !v.position) return;
  const int64_t window_ms =
      context.rules.thresholds.milliseconds(ThresholdId::identity_change_imo_shared_window_h);
  const int64_t apart = t > h.last_ms[other] ? t - h.last_ms[other] : h.last_ms[other] - t;
  if (apart > window_ms) return;
  const track::VesselState* o = context.tracker.find(h.mmsi[other]);
  if (o == nullptr || o->statics.imo != imo) return;  // gone, or it moved to another number
  h.pair_reported = true;
  alert::EpisodeReport r;
  r.key = {aiswatch::v1::ALERT_TYPE_IDENTITY_CHANGE, v.mmsi, o->mmsi, "", t};
  r.time_ms = t;
  r.lat = v.position->lat;
  r.lon = v.position->lon;
  r.vessel = snapshot_of(v);
  r.counterpart = snapshot_of(*o);
  r.evidence.push_back(evidence_of(v));
  if (o->position) r.evidence.push_back(evidence_of(*o));
  r.facts = {{"apart_s", static_cast<double>(apart) / 1000.0}};
  r.reason = "IMO " + std::to_string(imo) + " also transmitted by MMSI " + std::to_string(o->mmsi) +
             " within " + std::to_string(apart / 60'000) + " min";
  context.alerts.instant(r);
}

void IdentityChangeDetector::on_watermark(int64_t watermark_ms, Context& context) {
  if (watermark_ms < next_sweep_ms_) return;
  next_sweep_ms_ = watermark_ms + config_.sweep_interval_ms;
  const int64_t horizon = watermark_ms - context.rules.thresholds.milliseconds(
                                             ThresholdId::identity_change_imo_shared_window_h);
  // Erasing emits nothing, so the map's iteration order cannot show in the output.
  for (auto it = imo_holders_.begin(); it != imo_holders_.end();) {
    ImoHolders& h = it->second;
    for (int i = 0; i < 2; ++i) {
      if (h.mmsi[i] != 0 && h.last_ms[i] < horizon) {
        h.mmsi[i] = 0;
        h.pair_reported = false;
      }
    }
    it = (h.mmsi[0] == 0 && h.mmsi[1] == 0) ? imo_holders_.erase(it) : std::next(it);
  }
}

// Checkpoint: the per-slot records (only the slots in use, by slot) and the IMO holders (by IMO
// number, for deterministic bytes: the sweep emits nothing and lookups are by key, so the map's
// order shows nowhere) and the next sweep time.
void IdentityChangeDetector::save_state(state::StateWriter& out) const {
  out.section("idch");
  out.put(next_sweep_ms_);
  save_slot_records(
      out, known_, [](const Known& k) { return k.mmsi != 0; },
      [&](const Known& k) {
        out.put(k.mmsi);
        out.put(k.imo);
        put_text(out, k.name);
        put_text(out, k.callsign);
        out.put(k.ship_type);
        out.put(k.reported);
        out.put(k.previous_ship_type);
        out.put(k.previous_name_hash);
        out.put(k.previous_callsign_hash);
        out.put(k.previous_imo);
        out.put(k.changed_ms);
      });
  std::vector<uint32_t> imos;
  imos.reserve(imo_holders_.size());
  for (const auto& [imo, holders] : imo_holders_) imos.push_back(imo);
  std::sort(imos.begin(), imos.end());
  out.put<uint64_t>(imos.size());
  for (const uint32_t imo : imos) {
    const ImoHolders& h = imo_holders_.at(imo);
    out.put(imo);
    for (int i = 0; i < 2; ++i) {
      out.put(h.mmsi[i]);
      out.put(h.last_ms[i]);
    }
    out.put(h.pair_reported);
  }
}

void IdentityChangeDetector::restore_state(state::StateReader& in, Context& context) {
  constexpr std::size_t known_bytes = 4 + 4 + 4 + 8 + 8 + 1 + 1 + 1 + 4 + 4 + 4 + 8;
  constexpr std::size_t holders_bytes = 4 + 2 * (4 + 8) + 1;
  constexpr uint8_t all_findings =
      finding_mid_unallocated | finding_imo_invalid | finding_callsign_flag;
  in.section("idch");
  next_sweep_ms_ = in.get<int64_t>();
  const std::size_t slots = context.tracker.slot_count();
  restore_slot_records(in, slots, known_bytes, "identity_change", [&](uint32_t slot) {
    Known k;
    k.mmsi = in.get<uint32_t>();
    k.imo = in.get<uint32_t>();
    k.name = get_text<decltype(k.name)::capacity>(in);
    k.callsign = get_text<decltype(k.callsign)::capacity>(in);
    k.ship_type = in.get<uint8_t>();
    k.reported = in.get<uint8_t>();
    k.previous_ship_type = in.get<uint8_t>();
    k.previous_name_hash = in.get<uint32_t>();
    k.previous_callsign_hash = in.get<uint32_t>();
    k.previous_imo = in.get<uint32_t>();
    k.changed_ms = in.get<int64_t>();
    if (in.ok() && k.mmsi == 0) in.fail("identity_change: a record of MMSI 0");
    if (in.ok() && (k.reported & ~all_findings) != 0)
      in.fail("identity_change: unknown finding bits " + std::to_string(k.reported));
    if (!in.ok()) return;
    if (known_.size() < slots) known_.resize(slots);
    known_[slot] = k;
  });
  const std::size_t imos = in.count(config_.max_imo_entries, holders_bytes);
  for (std::size_t i = 0; i < imos && in.ok(); ++i) {
    const auto imo = in.get<uint32_t>();
    ImoHolders h;
    for (int j = 0; j < 2; ++j) {
      h.mmsi[j] = in.get<uint32_t>();
      h.last_ms[j] = in.get<int64_t>();
    }
    h.pair_reported = in.get<bool>();
    if (in.ok() && !imo_holders_.emplace(imo, h).second)
      in.fail("identity_change: IMO " + std::to_string(imo) + " twice");
  }
}

}  // namespace aiswatch::detect
