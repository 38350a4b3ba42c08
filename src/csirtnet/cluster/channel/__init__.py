"""Discussion channels: network, cluster and topic channels, threads and TLP-marked messages."""
