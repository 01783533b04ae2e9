// pve-sim entry point: parse flags, build the cluster and certificate, serve until SIGTERM/SIGINT.
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <thread>

#include <httplib.h>
#include <pthread.h>

#include "model.hpp"
#include "options.hpp"
#include "server.hpp"
#include "tls.hpp"

namespace {

using pvex::Result;

/// Writes `content` to `path` via a temporary file and rename, so readers never see half.
Result<void> write_atomically(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return pvex::fail(pvex::ErrorKind::io, "cannot write " + tmp);
    out << content;
    if (!out.flush()) return pvex::fail(pvex::ErrorKind::io, "cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return pvex::fail(pvex::ErrorKind::io, "cannot rename " + tmp + ": " + ec.message());
  return {};
}

int die(const std::string& message) {
  std::fprintf(stderr, "pve-sim: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Result<pvex::sim::ParseOutcome> parsed = pvex::sim::parse_options(argc, argv);
  if (!parsed) return die(parsed.error().message);
  if (parsed->exit_now) {
    std::fputs(parsed->message.c_str(), stdout);
    return 0;
  }
  const pvex::sim::SimOptions& options = parsed->options;

  std::vector<pvex::sim::Fault> faults;
  for (const std::string& spec : options.faults) {
    Result<pvex::sim::Fault> fault = pvex::sim::parse_fault(spec);
    if (!fault) return die(fault.error().message);
    faults.push_back(*fault);
  }

  // Block the stop signals in every thread; one thread waits for them with sigwait().
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<httplib::Server> server;
  std::string fingerprint;
  if (options.plain_http) {
    server = std::make_unique<httplib::Server>();
  } else {
    Result<pvex::sim::TlsIdentity> identity =
        options.cert_file.empty() ? pvex::sim::generate_identity()
                                  : pvex::sim::load_identity(options.cert_file, options.key_file);
    if (!identity) return die(identity.error().message);
    fingerprint = identity->fingerprint;
    if (!options.cert_out.empty()) {
      if (Result<void> r = write_atomically(options.cert_out, identity->cert_pem); !r)
        return die(r.error().message);
    }
    server = std::make_unique<httplib::SSLServer>(identity->cert.get(), identity->key.get());
  }
  if (!server->is_valid()) return die("cannot set up the HTTPS server");
  int threads = options.threads;
  server->new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };

  double epoch0 =
      options.static_counters ? pvex::sim::k_static_epoch : static_cast<double>(std::time(nullptr));
  pvex::sim::SimServer sim(options, pvex::sim::generate_cluster(options, epoch0),
                           std::move(faults));
  sim.install(*server);

  int port = options.listen_port;
  if (port == 0) {
    port = server->bind_to_any_port(options.listen_host);
    if (port <= 0) return die("cannot bind " + options.listen_host + ":0");
  } else if (!server->bind_to_port(options.listen_host, port)) {
    return die("cannot bind " + options.listen_host + ":" + std::to_string(port));
  }
  if (!fingerprint.empty()) std::printf("fingerprint: %s\n", fingerprint.c_str());
  std::printf("listening: %s://%s:%d\n", options.plain_http ? "http" : "https",
              options.listen_host.c_str(), port);
  std::fflush(stdout);

  // bind_to_port() already listens, so connections made after the port file appears queue up.
  if (!options.port_file.empty()) {
    if (Result<void> r = write_atomically(options.port_file, std::to_string(port) + "\n"); !r)
      return die(r.error().message);
  }

  std::atomic<bool> stopping{false};
  std::atomic<bool> listen_done{false};
  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    stopping = true;
    sim.begin_shutdown();
    // stop() is a no-op until the accept loop runs, so repeat it until the loop has ended.
    while (!listen_done) {
      server->stop();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  server->listen_after_bind();
  listen_done = true;
  bool failed = !stopping;
  if (failed) kill(getpid(), SIGTERM);  // the server gave up on its own: release the signal thread
  stopper.join();
  if (failed) return die("the server stopped unexpectedly");
  return 0;
}
