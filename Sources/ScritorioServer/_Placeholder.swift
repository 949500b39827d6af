enum _PlaceholderScritorioServer {}
