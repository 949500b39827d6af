enum _PlaceholderScritorioSandbox {}
