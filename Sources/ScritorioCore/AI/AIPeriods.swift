/// The AI quota's periods are the member's usage periods: one day and one month per user.
public typealias AIPeriods = UsagePeriods
