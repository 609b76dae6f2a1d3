import ArgumentParser
import Foundation
import Logging
import Postgres
import Telemetry
import Tollgate

@main
struct TollgateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tollgate",
        abstract: "Tollgate: run an enterprise's AI use-case portfolio through ROI gates.",
        discussion: "Configuration comes from TOLLGATE_* environment variables; see README.md.",
        subcommands: [Serve.self, Migrate.self, BootstrapAdminCommand.self, Version.self],
        defaultSubcommand: nil)
}

/// Reads the configuration or exits with a message naming the bad variable.
func loadConfiguration() throws -> (TollgateConfiguration, Logger) {
    do {
        let configuration = try TollgateConfiguration.fromEnvironment(ProcessInfo.processInfo.environment)
        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return (configuration, Logger(label: "tollgate"))
    } catch {
        FileHandle.standardError.write(Data("tollgate: invalid configuration: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending migrations and exit.")

    func run() throws {
        let (configuration, logger) = try loadConfiguration()
        do {
            try TollgateMigrations.run(configuration: configuration, logger: logger)
        } catch {
            logger.critical("migration failed", metadata: ["error": "\(error)"])
            LogSink.standardOutput.flush()
            throw ExitCode(1)
        }
        LogSink.standardOutput.flush()
    }
}

struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() {
        print("tollgate \(TollgateVersion.current)")
    }
}

struct BootstrapAdminCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap-admin", abstract: "Create an admin principal and print its new API key (shown only once).")

    func run() throws {
        let (configuration, logger) = try loadConfiguration()
        do {
            let key = try BootstrapAdmin.run(configuration: configuration, logger: logger)
            LogSink.standardOutput.flush()
            print(key)
        } catch {
            logger.critical("bootstrap-admin failed", metadata: ["error": "\(error)"])
            LogSink.standardOutput.flush()
            throw ExitCode(1)
        }
    }
}
