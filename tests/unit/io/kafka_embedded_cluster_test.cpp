#include "io/kafka/embedded_cluster.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <vector>

namespace aiswatch::io::kafka {
namespace {

// "127.0.0.1:PORT" with a non-zero port. (No std::regex: GCC 12 warns inside it under ASan.)
bool is_loopback_listener(const std::string& text) {
  const std::string prefix = "127.0.0.1:";
  if (text.rfind(prefix, 0) != 0 || text.size() == prefix.size()) return false;
  for (std::size_t i = prefix.size(); i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) == 0) return false;
  }
  return std::stol(text.substr(prefix.size())) > 0;
}

TEST(EmbeddedCluster, BootstrapListsOneLoopbackListenerPerBroker) {
  EmbeddedCluster cluster(3);
  EXPECT_EQ(cluster.broker_count(), 3);
  std::vector<std::string> listeners;
  std::string rest = cluster.bootstrap_servers();
  for (auto comma = rest.find(','); comma != std::string::npos; comma = rest.find(',')) {
    listeners.push_back(rest.substr(0, comma));
    rest.erase(0, comma + 1);
  }
  listeners.push_back(rest);
  ASSERT_EQ(listeners.size(), 3u) << cluster.bootstrap_servers();
  for (const auto& listener : listeners) EXPECT_TRUE(is_loopback_listener(listener)) << listener;
}

TEST(EmbeddedCluster, TwoClustersGetDifferentPorts) {
  EmbeddedCluster a;
  EmbeddedCluster b;
  EXPECT_NE(a.bootstrap_servers(), b.bootstrap_servers());
}

TEST(EmbeddedCluster, CreatesTopicsAndFaultsBrokers) {
  EmbeddedCluster cluster(2);
  EXPECT_TRUE(cluster.create_topic("ais.raw", 3).ok());
  EXPECT_TRUE(cluster.broker_down(1).ok());
  EXPECT_TRUE(cluster.broker_up(1).ok());
  EXPECT_TRUE(cluster.broker_down(-1).ok());
  EXPECT_TRUE(cluster.broker_up(-1).ok());
}

TEST(EmbeddedCluster, RejectsNoBrokers) { EXPECT_THROW(EmbeddedCluster(0), std::invalid_argument); }

}  // namespace
}  // namespace aiswatch::io::kafka
