// The program: parse flags and config, set up logging, start the HTTP server, wait for a signal.
#pragma once

namespace pvex::app {

/// Runs the exporter; returns the process exit code (0 on clean shutdown, 1 on startup errors).
int run(int argc, char** argv);

}  // namespace pvex::app
