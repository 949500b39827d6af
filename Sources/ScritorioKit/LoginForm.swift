import Foundation
import ScritorioAPI

/// The login screen's state machine (the seed's `LoginState`): which form is shown, what the user typed, whether
/// a submission is running, and the message to show. Pure value logic; ``submit(using:)`` drives it against a
/// client.
public struct LoginForm: Sendable, Equatable {
    /// Which form is shown.
    public enum Mode: String, Sendable, Equatable, CaseIterable {
        /// Create an account.
        case signUp
        /// Sign in with email and password.
        case signIn
        /// Ask for a password-reset email.
        case resetPassword
        /// The reset email was sent.
        case passwordResetSent
        /// Sign in with a code sent by email (no password): first the address, then the code.
        case signInWithCode
    }

    /// Where a submission stands (the seed's `ActionStatus`).
    public enum Status: String, Sendable, Equatable {
        /// Nothing running.
        case idle
        /// Waiting for the server.
        case loading
        /// Done; the app navigates on (the route guard takes over).
        case success
        /// The last submission failed; ``LoginForm/errorMessage`` says why.
        case error
    }

    /// A problem with what the user typed, found before anything is sent.
    public enum FieldError: String, Sendable, Equatable {
        /// Not an email address.
        case invalidEmail
        /// Shorter than the minimum length.
        case passwordTooShort
        /// Longer than the 72 bytes a password may have.
        case passwordTooLong
        /// The confirmation differs from the password.
        case passwordsDoNotMatch
        /// The code is not the 6 digits mailed or shown by the authenticator app.
        case invalidCode

        /// The message shown under the field.
        public var message: String {
            switch self {
            case .invalidEmail: "Enter a valid email address."
            case .passwordTooShort: "Password should be at least \(LoginForm.minimumPasswordLength) characters."
            case .passwordTooLong: "Password can be at most 72 characters."
            case .passwordsDoNotMatch: "Passwords do not match."
            case .invalidCode: "Enter the 6-digit code."
            }
        }
    }

    /// The server's minimum (GoTrue's floor).
    public static let minimumPasswordLength = 6

    /// The email field.
    public var email = ""
    /// The password field.
    public var password = ""
    /// The confirmation field (sign-up only).
    public var confirmPassword = ""
    /// The confirmation code the user typed after sign-up.
    public var code = ""
    /// Which form is shown.
    public var mode: Mode
    /// Where the submission stands.
    public var status: Status = .idle
    /// Set once a sign-up was accepted and the code is awaited.
    public var hasSubmittedRegistration = false
    /// The message to show, empty when none.
    public var errorMessage = ""
    /// Set once the sign-in code was mailed (``Mode/signInWithCode``); the next submission sends ``code``.
    public var hasRequestedCode = false
    /// Set when the sign-in succeeded but the account has a verified second factor: the next submission sends
    /// ``code`` from the authenticator app to raise the session to `aal2`.
    public var needsSecondFactor = false
    /// The factor the second-factor code is checked against.
    public var factorID: String?

    /// A form in `mode`.
    public init(mode: Mode = .signIn) {
        self.mode = mode
    }

    // MARK: Transitions

    /// Switches form, clearing the status and message (the typed email stays).
    public mutating func switchMode(_ mode: Mode) {
        self.mode = mode
        status = .idle
        errorMessage = ""
        if mode != .signUp { confirmPassword = "" }
        hasRequestedCode = false
        needsSecondFactor = false
        factorID = nil
    }

    /// Marks a submission as running.
    public mutating func begin() {
        status = .loading
        errorMessage = ""
    }

    /// Marks the submission as done.
    public mutating func succeed() {
        status = .success
        errorMessage = ""
        switch mode {
        case .signUp: hasSubmittedRegistration = true
        case .resetPassword: mode = .passwordResetSent
        case .signInWithCode: hasRequestedCode = true
        default: break
        }
    }

    /// Marks the submission as failed with a message for the user.
    public mutating func fail(_ error: any Error) {
        status = .error
        errorMessage = Self.message(for: error, mode: mode)
    }

    // MARK: Validation

    /// The email field's problem, if any.
    public var emailError: FieldError? {
        Self.isValidEmail(email) ? nil : .invalidEmail
    }

    /// The password field's problem, if any.
    public var passwordError: FieldError? {
        if password.count < Self.minimumPasswordLength { return .passwordTooShort }
        if password.utf8.count > 72 { return .passwordTooLong }
        return nil
    }

    /// The confirmation field's problem, if any.
    public var confirmPasswordError: FieldError? {
        confirmPassword == password ? nil : .passwordsDoNotMatch
    }

    /// The code field's problem, if any: six digits, spaces around them allowed.
    public var codeError: FieldError? {
        let digits = code.trimmingCharacters(in: .whitespaces)
        return digits.count == 6 && digits.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil : .invalidCode
    }

    /// The problems that block submitting the current form, in field order.
    public var validationErrors: [FieldError] {
        if needsSecondFactor { return [codeError].compactMap { $0 } }
        return switch mode {
        case .signUp: [emailError, passwordError, confirmPasswordError].compactMap { $0 }
        case .signIn: [emailError, password.isEmpty ? .passwordTooShort : nil].compactMap { $0 }
        case .resetPassword: [emailError].compactMap { $0 }
        case .passwordResetSent: []
        case .signInWithCode: hasRequestedCode ? [codeError].compactMap { $0 } : [emailError].compactMap { $0 }
        }
    }

    /// A plain check: something before one `@`, a dot in the domain, no spaces.
    public static func isValidEmail(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !trimmed.contains(" ") else { return false }
        let domain = parts[1]
        guard let dot = domain.lastIndex(of: "."), dot != domain.startIndex, domain.index(after: dot) != domain.endIndex else {
            return false
        }
        return true
    }

    // MARK: Messages

    /// The user-facing message for a failure, from the server's stable code.
    public static func message(for error: any Error, mode: Mode) -> String {
        guard let error = error as? ScritorioError else { return fallback(mode) }
        switch error {
        case .offline: return "You appear to be offline. Check your connection and try again."
        case .timedOut: return "The server took too long to answer. Try again."
        default: break
        }
        switch error.errorCode {
        case .invalidCredentials: return "Wrong email or password."
        case .emailNotConfirmed: return "Confirm your email first: enter the code we sent you."
        case .userAlreadyExists, .emailExists: return "This email is already registered. Sign in instead."
        case .weakPassword:
            if case .server(_, _, let message) = error, !message.isEmpty { return message }
            return FieldError.passwordTooShort.message
        case .samePassword: return "Choose a password different from the current one."
        case .overRequestRateLimit, .overEmailSendRateLimit: return "Too many attempts. Wait a minute and try again."
        case .otpExpired: return "That code is wrong or has expired. Ask for a new one."
        case .mfaVerificationFailed: return "That code from your authenticator app is wrong. Try the current one."
        case .mfaChallengeExpired: return "That took too long. Enter the current code from your authenticator app."
        case .otpDisabled: return "There is no account with this email address."
        case .signupDisabled: return "New accounts cannot be created right now."
        case .userBanned: return "This account is suspended."
        case .emailAddressInvalid, .validationFailed: return FieldError.invalidEmail.message
        default: return fallback(mode)
        }
    }

    private static func fallback(_ mode: Mode) -> String {
        switch mode {
        case .signUp: "An error occurred while signing up."
        case .resetPassword, .passwordResetSent: "An error occurred while sending the reset email."
        case .signIn, .signInWithCode: "An error occurred while signing in."
        }
    }

    // MARK: Driving

    /// Validates and submits the current form: sign-up, then (once ``hasSubmittedRegistration``) the code;
    /// sign-in; or the reset email. Invalid fields stop it before anything is sent (status stays `idle` and
    /// ``errorMessage`` names the first problem).
    public mutating func submit(using client: ScritorioClient) async {
        if let problem = validationErrors.first {
            status = .idle
            errorMessage = problem.message
            return
        }
        begin()
        do {
            if needsSecondFactor, let factorID {
                try await client.verifyFactor(factorID, code: code)
                needsSecondFactor = false
                status = .success
                return
            }
            switch mode {
            case .signUp:
                if hasSubmittedRegistration {
                    try await client.confirmSignUp(email: email, code: code.trimmingCharacters(in: .whitespaces))
                    status = .success
                    return
                }
                if case .signedIn = try await client.signUp(email: email, password: password) {
                    status = .success
                    hasSubmittedRegistration = true
                    return
                }
            case .signIn:
                try await client.signIn(email: email, password: password)
                if try await askForSecondFactor(using: client) { return }
            case .signInWithCode:
                if hasRequestedCode {
                    try await client.signIn(email: email, code: code)
                    if try await askForSecondFactor(using: client) { return }
                } else {
                    try await client.sendSignInCode(email: email)
                    hasRequestedCode = true
                    status = .idle
                    return
                }
            case .resetPassword:
                try await client.sendPasswordReset(email: email)
            case .passwordResetSent:
                return
            }
            succeed()
        } catch {
            fail(error)
        }
    }

    /// After a first-factor sign-in: when the account has a verified factor, the form asks for its code next.
    private mutating func askForSecondFactor(using client: ScritorioClient) async throws -> Bool {
        let level = try await client.assuranceLevel()
        guard level.next > level.current, let factor = try await client.factors().first(where: \.isVerified) else { return false }
        needsSecondFactor = true
        factorID = factor.id
        code = ""
        status = .idle
        return true
    }
}
