enum _PlaceholderScritorioProviders {}
