#pragma once
// A live input of NMEA lines (Kafka consumer, TCP client, UDP listener, file replay). Each
// source has a name from the configuration, used in metrics labels and as the feed name the
// engine gives lines without a tag-block source. Sources run on the I/O side (an Asio
// io_context, librdkafka's threads) and hand LineBatch-es to the core through a BatchQueue.
//
// Lifecycle, all calls from the thread that runs the source's io_context:
//   start()  begins connecting / reading; returns at once (failures are retried and reported
//            through metrics and logs, never thrown);
//   stop()   stops intake: closes connections and cancels pending operations; no batch is pushed
//            once the handlers it cancelled have run;
//   ready()  connected / subscribed and assigned / open — what /readyz reports;
//   finished() a source with an end (a file) has pushed its last batch.
#include <string>

namespace aiswatch::io {

class Source {
 public:
  virtual ~Source() = default;
  virtual const std::string& name() const = 0;
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual bool ready() const = 0;
  virtual bool finished() const { return false; }
};

}  // namespace aiswatch::io
