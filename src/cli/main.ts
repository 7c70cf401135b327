#!/usr/bin/env node
import { Command } from "commander";
import { reportError } from "./action.js";
import { registerDataCommands } from "./commands/data.js";
import { registerEvalCommand } from "./commands/eval.js";
import { registerExperimentCommands } from "./commands/experiment.js";
import { registerExportCommand } from "./commands/export.js";
import { registerGanCommands } from "./commands/gan.js";
import { registerInfoCommand } from "./commands/info.js";
import { registerSteerCommands } from "./commands/steer.js";
import { registerTrainCommand } from "./commands/train.js";
import { registerUiCommand } from "./commands/ui.js";
import { registerViewsCommands } from "./commands/views.js";

const program = new Command("genrep")
	.description("Learn visual representations from a generative model (Jahanian et al., ICLR 2022).")
	.option("--debug", "print stack traces on errors")
	.showHelpAfterError("(run with --help for usage)")
	.configureOutput({ outputError: (text, write) => write(text.startsWith("error:") ? text : `error: ${text}`) });

registerInfoCommand(program);
registerDataCommands(program);
registerGanCommands(program);
registerViewsCommands(program);
registerSteerCommands(program);
registerTrainCommand(program);
registerExperimentCommands(program);
registerEvalCommand(program);
registerExportCommand(program);
registerUiCommand(program);

program.parseAsync(process.argv).catch((err) => {
	reportError(err);
	process.exitCode = 1;
});
