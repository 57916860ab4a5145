#include "app/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "state/archive.h"

namespace aiswatch::app {
namespace {

constexpr std::string_view magic = "AISWCKPT";
constexpr std::size_t max_partitions = 1u << 16;
constexpr std::size_t max_topic_length = 249;  // Kafka's limit
constexpr std::size_t max_id_length = 4096;    // group and cluster ids

uint32_t crc32_of(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

template <class T>
T read_le(std::string_view bytes, std::size_t at) {
  T value{};
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

std::string os_error(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

// Closes a file descriptor on every path out of write_file_atomically.
class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

}  // namespace

std::string checkpoint_file(const Config& config, const char* state_directory) {
  const std::string& path = config.checkpoint.path;
  if (path == "none") return {};
  if (path != "auto") return path;
  if (config.kafka.brokers == "embedded" || config.kafka.input_topics.empty()) return {};
  if (state_directory != nullptr && *state_directory != '\0') {
    const std::string_view first =
        std::string_view(state_directory).substr(0, std::string_view(state_directory).find(':'));
    return std::string(first) + "/checkpoint";
  }
  return "aiswatch.checkpoint";
}

std::string foreign_checkpoint(const CheckpointMeta& meta, const std::string& group_id,
                               const std::string& cluster_id) {
  if (meta.group_id != group_id) {
    return "positions of consumer group '" + meta.group_id + "', this daemon's is '" + group_id +
           "' (kafka.group_id)";
  }
  if (!meta.cluster_id.empty() && !cluster_id.empty() && meta.cluster_id != cluster_id) {
    return "positions in Kafka cluster " + meta.cluster_id + ", the brokers now are cluster " +
           cluster_id;
  }
  return {};
}

std::string encode_checkpoint(const CheckpointMeta& meta, const detect::Engine& engine) {
  state::StateWriter payload;
  payload.section("meta");
  payload.put(meta.sequence);
  payload.put(meta.written_ms);
  payload.put_string(meta.group_id);
  payload.put_string(meta.cluster_id);
  payload.put<uint64_t>(meta.positions.size());
  for (const io::KafkaPosition& position : meta.positions) {
    payload.put_string(position.topic);
    payload.put(position.partition);
    payload.put(position.next_offset);
  }
  engine.save_state(payload);

  state::StateWriter header;
  for (const char c : magic) header.put(c);
  header.put(checkpoint_format_version);
  header.put<uint32_t>(0);
  header.put<uint64_t>(payload.size());
  header.put(crc32_of(payload.bytes()));
  header.put<uint32_t>(0);
  std::string file = header.take();
  file += payload.bytes();
  return file;
}

bool decode_checkpoint(std::string_view bytes, std::size_t max_bytes, DecodedCheckpoint& decoded,
                       std::string& problem) {
  if (bytes.size() < checkpoint_header_bytes || bytes.substr(0, magic.size()) != magic) {
    problem = "not a checkpoint file (no AISWCKPT header)";
    return false;
  }
  const auto version = read_le<uint32_t>(bytes, 8);
  if (version != checkpoint_format_version) {
    problem = "format version " + std::to_string(version) + ", this daemon reads " +
              std::to_string(checkpoint_format_version);
    return false;
  }
  const auto payload_bytes = read_le<uint64_t>(bytes, 16);
  if (payload_bytes > max_bytes || payload_bytes > bytes.size() - checkpoint_header_bytes) {
    problem = payload_bytes > max_bytes
                  ? "payload of " + std::to_string(payload_bytes) + " bytes over the limit of " +
                        std::to_string(max_bytes) + " (checkpoint.max_bytes)"
                  : "truncated: " + std::to_string(bytes.size() - checkpoint_header_bytes) +
                        " of " + std::to_string(payload_bytes) + " payload bytes";
    return false;
  }
  if (payload_bytes < bytes.size() - checkpoint_header_bytes) {
    problem = "bytes after the payload";
    return false;
  }
  const std::string_view payload = bytes.substr(checkpoint_header_bytes);
  if (crc32_of(payload) != read_le<uint32_t>(bytes, 24)) {
    problem = "CRC mismatch (the file is damaged)";
    return false;
  }
  state::StateReader in(payload);
  in.section("meta");
  decoded.meta.sequence = in.get<uint64_t>();
  decoded.meta.written_ms = in.get<int64_t>();
  decoded.meta.group_id = in.get_string(max_id_length);
  decoded.meta.cluster_id = in.get_string(max_id_length);
  const std::size_t count = in.count(max_partitions, 20);
  decoded.meta.positions.clear();
  for (std::size_t i = 0; i < count && in.ok(); ++i) {
    io::KafkaPosition position;
    position.topic = in.get_string(max_topic_length);
    position.partition = in.get<int32_t>();
    position.next_offset = in.get<int64_t>();
    if (in.ok() && (position.partition < 0 || position.next_offset < 0)) {
      in.fail("a negative partition or offset");
    }
    decoded.meta.positions.push_back(std::move(position));
  }
  if (!in.ok()) {
    problem = "meta: " + in.error();
    return false;
  }
  decoded.engine_state_offset = checkpoint_header_bytes + in.position();
  return true;
}

bool restore_engine(detect::Engine& engine, std::string_view bytes,
                    const DecodedCheckpoint& decoded, std::string& problem) {
  if (decoded.engine_state_offset > bytes.size()) {
    problem = "engine state: outside the file";
    return false;
  }
  state::StateReader in(bytes.substr(decoded.engine_state_offset));
  if (engine.restore_state(in)) return true;
  problem = "engine state: " + in.error();
  return false;
}

std::string write_file_atomically(const std::string& path, std::string_view bytes) {
  const std::string temporary = path + ".tmp";
  {
    Descriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640));
    if (fd.get() < 0) return os_error("cannot create", temporary);
    std::size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const std::string error = os_error("cannot write", temporary);
        ::unlink(temporary.c_str());
        return error;
      }
      written += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
      const std::string error = os_error("cannot sync", temporary);
      ::unlink(temporary.c_str());
      return error;
    }
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = os_error("cannot rename to", path);
    ::unlink(temporary.c_str());
    return error;
  }
  // The rename is durable only once the directory is.
  std::string directory = std::filesystem::path(path).parent_path().string();
  if (directory.empty()) directory = ".";
  Descriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0 || ::fsync(dir.get()) != 0) return os_error("cannot sync directory", directory);
  return {};
}

CheckpointFile read_checkpoint_file(const std::string& path, std::size_t max_bytes) {
  CheckpointFile file;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT) return file;
    file.status = CheckpointFile::Status::invalid;
    file.problem = os_error("cannot open", path);
    return file;
  }
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size < 0 || static_cast<uint64_t>(size) > max_bytes + checkpoint_header_bytes) {
    file.status = CheckpointFile::Status::invalid;
    file.problem = size < 0 ? os_error("cannot read", path)
                            : "a file of " + std::to_string(size) +
                                  " bytes, over the limit (checkpoint.max_bytes)";
    return file;
  }
  file.bytes.resize(static_cast<std::size_t>(size));
  if (!in.read(file.bytes.data(), size)) {
    file.status = CheckpointFile::Status::invalid;
    file.problem = os_error("cannot read", path);
    return file;
  }
  if (!decode_checkpoint(file.bytes, max_bytes, file.decoded, file.problem)) {
    file.status = CheckpointFile::Status::invalid;
    return file;
  }
  file.status = CheckpointFile::Status::loaded;
  return file;
}

CheckpointWriter::CheckpointWriter(std::string path, Report report)
    : path_(std::move(path)), report_(std::move(report)), thread_([this] { run(); }) {}

CheckpointWriter::~CheckpointWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void CheckpointWriter::submit(uint64_t sequence, std::string bytes) {
  {
    std::lock_guard lock(mutex_);
    waiting_.emplace(sequence, std::move(bytes));
  }
  wake_.notify_all();
}

void CheckpointWriter::drain() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return !waiting_ && !writing_; });
}

void CheckpointWriter::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return waiting_ || stopping_; });
    if (!waiting_) return;  // stopping, and nothing left to write
    auto [sequence, bytes] = std::move(*waiting_);
    waiting_.reset();
    writing_ = true;
    lock.unlock();
    const std::string error = write_file_atomically(path_, bytes);
    if (error.empty()) durable_ = sequence;
    if (report_) report_(sequence, bytes.size(), error);
    lock.lock();
    writing_ = false;
    wake_.notify_all();
  }
}

CheckpointSchedule::CheckpointSchedule(CheckpointWriter& writer, std::chrono::milliseconds interval,
                                       std::size_t max_bytes, uint64_t next_sequence)
    : writer_(writer),
      interval_(interval),
      max_bytes_(max_bytes),
      next_sequence_(next_sequence),
      next_due_(std::chrono::steady_clock::now() + interval) {}

void CheckpointSchedule::processed(const std::vector<io::KafkaPosition>& positions) {
  for (const io::KafkaPosition& p : positions) applied_[{p.topic, p.partition}] = p.next_offset;
}

CheckpointSchedule::Taken CheckpointSchedule::take(const detect::Engine& engine,
                                                   uint64_t produced_through, int64_t now_ms,
                                                   std::chrono::steady_clock::time_point now) {
  next_due_ = now + interval_;
  taken_lines_ = engine.stats().lines;
  taken_watermark_ = engine.watermark();
  CheckpointMeta meta;
  meta.sequence = next_sequence_;
  meta.written_ms = now_ms;
  meta.group_id = group_id_;
  meta.cluster_id = cluster_id_;
  for (const auto& [partition, next_offset] : applied_) {
    meta.positions.push_back(io::KafkaPosition{partition.first, partition.second, next_offset});
  }
  const auto started = std::chrono::steady_clock::now();
  std::string bytes = encode_checkpoint(meta, engine);
  Taken taken;
  taken.bytes = bytes.size();
  taken.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (bytes.size() > max_bytes_ + checkpoint_header_bytes) return taken;
  taken.sequence = next_sequence_++;
  held_ = Held{taken.sequence, produced_through, std::move(bytes), std::move(meta.positions)};
  return taken;
}

void CheckpointSchedule::release(uint64_t acked_through) {
  if (!held_ || held_->produced_through > acked_through) return;
  writer_.submit(held_->sequence, std::move(held_->bytes));
  // Only the newest durable one is committed, and the writer keeps the newest submitted: the
  // queue is short unless the disk stalls, and then the oldest are covered by later ones.
  if (waiting_.size() >= 4096) waiting_.pop_front();
  waiting_.push_back(Waiting{held_->sequence, std::move(held_->positions)});
  held_.reset();
}

std::vector<io::KafkaPosition> CheckpointSchedule::committable() {
  const uint64_t durable = writer_.durable_sequence();
  std::vector<io::KafkaPosition> ready;
  while (!waiting_.empty() && waiting_.front().sequence <= durable) {
    ready = std::move(waiting_.front().positions);
    waiting_.pop_front();
  }
  return ready;
}

}  // namespace aiswatch::app
