#pragma once
// The binary archive of the daemon's checkpoints: each stateful object (framer, tracker, alert
// manager, every detector) writes its state field by field to a StateWriter and reads it back,
// in the same order, from a StateReader into a freshly constructed object of the same
// configuration. Field by field, not memcpy of structs: no padding bytes or pointers reach the
// file, and a field's meaning is fixed by the code that writes it, so the format is versioned by
// checkpoint::format_version alone.
//
//   state::StateWriter out;
//   out.section("trak");                   // a four-letter tag: catches readers out of step
//   out.put<uint32_t>(slots.size());
//   for (auto s : slots) out.put(s.mmsi);
//
//   state::StateReader in(bytes);
//   in.section("trak");
//   const std::size_t n = in.count(max_slots, sizeof(uint32_t));   // bounded by what is left
//   for (std::size_t i = 0; i < n && in.ok(); ++i) slots.push_back({in.get<uint32_t>()});
//   if (!in.ok()) ... in.error() names what was wrong and where
//
// Corrupt input never crashes and never allocates beyond what the bytes can hold: every read is
// bounds-checked; after the first failure the reader is failed, returns zeros, and keeps the
// first error. Little-endian, as every machine aiswatch runs on.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace aiswatch::state {

static_assert(std::endian::native == std::endian::little, "checkpoints are little-endian");

template <class T>
concept Scalar = std::is_arithmetic_v<T> || std::is_enum_v<T>;

class StateWriter {
 public:
  template <Scalar T>
  void put(T value) {
    if constexpr (std::is_same_v<T, bool>) {
      bytes_.push_back(value ? '\1' : '\0');
    } else {
      char raw[sizeof(T)];
      std::memcpy(raw, &value, sizeof(T));
      bytes_.append(raw, sizeof(T));
    }
  }
  template <Scalar T>
  void put(const std::optional<T>& value) {
    put(value.has_value());
    if (value) put(*value);
  }
  // Length-prefixed bytes.
  void put_string(std::string_view text) {
    put<uint64_t>(text.size());
    bytes_.append(text);
  }
  // A four-character tag marking where a part of the state begins.
  void section(std::string_view tag);

  const std::string& bytes() const { return bytes_; }
  std::string take() { return std::move(bytes_); }
  std::size_t size() const { return bytes_.size(); }

 private:
  std::string bytes_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view bytes) : bytes_(bytes) {}

  template <Scalar T>
  T get() {
    if constexpr (std::is_same_v<T, bool>) {
      const uint8_t raw = get<uint8_t>();
      if (raw > 1) fail("a boolean that is neither 0 nor 1");
      return raw == 1;
    } else {
      T value{};
      if (!take(sizeof(T))) return value;
      std::memcpy(&value, bytes_.data() + at_ - sizeof(T), sizeof(T));
      return value;
    }
  }
  template <Scalar T>
  std::optional<T> get_optional() {
    if (!get<bool>()) return std::nullopt;
    const T value = get<T>();
    if (!ok()) return std::nullopt;
    return value;
  }
  // An enum stored as its underlying value, which must be at most `max`.
  template <class E>
  requires std::is_enum_v<E> E get_enum(E max) {
    using U = std::underlying_type_t<E>;
    const U raw = get<U>();
    if (raw > static_cast<U>(max)) fail("an enum value out of range");
    return ok() ? static_cast<E>(raw) : E{};
  }
  // A length-prefixed string of at most max_length bytes.
  std::string get_string(std::size_t max_length);
  // A element count written with put<uint64_t>: at most `max`, and at most what the remaining
  // bytes can hold at `min_bytes_each` (at least 1) per element, so a corrupt count cannot make
  // the caller allocate more than the input's size. 0 once failed.
  std::size_t count(std::size_t max, std::size_t min_bytes_each);
  // Expects the tag StateWriter::section wrote.
  void section(std::string_view tag);

  // Marks the input invalid (keeps the first reason) and makes every later read return zero.
  void fail(std::string_view reason);
  bool ok() const { return error_.empty(); }
  // "<reason> at byte N" (empty while ok).
  const std::string& error() const { return error_; }
  bool at_end() const { return at_ == bytes_.size(); }
  std::size_t remaining() const { return ok() ? bytes_.size() - at_ : 0; }
  std::size_t position() const { return at_; }

 private:
  bool take(std::size_t n);

  std::string_view bytes_;
  std::size_t at_ = 0;
  std::string error_;
};

}  // namespace aiswatch::state
