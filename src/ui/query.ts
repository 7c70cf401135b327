/**
 * Reading request parameters: each reader names the parameter and the bad value, and says
 * what is accepted (HttpError 400), so the page can show the message as it is.
 */
import { badRequest } from "./httpError.js";

export type Params = Readonly<Record<string, string | undefined>>;

export function intParam(params: Params, name: string, min: number, max: number, fallback?: number): number {
	const text = params[name];
	if (text === undefined || text === "") {
		if (fallback === undefined) throw badRequest(`${name} is required (an integer in ${min}..${max})`);
		return fallback;
	}
	if (!/^-?\d{1,10}$/.test(text) || Number(text) < min || Number(text) > max) {
		throw badRequest(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
	}
	return Number(text);
}

export function numberParam(params: Params, name: string, min: number, max: number, fallback?: number): number {
	const text = params[name];
	if (text === undefined || text === "") {
		if (fallback === undefined) throw badRequest(`${name} is required (a number in ${min}..${max})`);
		return fallback;
	}
	const n = Number(text);
	if (text.length > 32 || !Number.isFinite(n) || n < min || n > max) {
		throw badRequest(`${name} must be a number in ${min}..${max}, got ${JSON.stringify(text.slice(0, 40))}`);
	}
	return n;
}

export function choiceParam<T extends string>(params: Params, name: string, choices: readonly T[], fallback?: T): T {
	const text = params[name];
	if (text === undefined || text === "") {
		if (fallback === undefined) throw badRequest(`${name} is required (one of ${choices.join(", ")})`);
		return fallback;
	}
	if (!(choices as readonly string[]).includes(text)) {
		throw badRequest(`${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(text.slice(0, 40))}`);
	}
	return text as T;
}

export function booleanParam(params: Params, name: string, fallback: boolean): boolean {
	const text = params[name];
	if (text === undefined || text === "") return fallback;
	if (text === "1" || text === "true") return true;
	if (text === "0" || text === "false") return false;
	throw badRequest(`${name} must be 1 or 0, got ${JSON.stringify(text.slice(0, 40))}`);
}
