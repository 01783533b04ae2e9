// pve-exporter: load the configuration, build the exporter, serve; the exit code says how it went.
#include "app/exporter.hpp"

int main(int argc, char** argv) { return pvex::app::run(argc, argv); }
