/// v8: an order keeps the price (Lemon Squeezy variant) it sold, so a licence key of a one-off purchase, which
/// names its order but not its variant, learns its plan from the order whichever of the two arrives first.
enum Migration008OrderPrice {
    static let migration = Migration(version: 8, name: "order_price", statements: [
        "ALTER TABLE orders ADD COLUMN price_id TEXT",
    ])
}
