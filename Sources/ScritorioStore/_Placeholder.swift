enum _PlaceholderScritorioStore {}
