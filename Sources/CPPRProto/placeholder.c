// Placeholder until the generated protobuf-c code lands.
