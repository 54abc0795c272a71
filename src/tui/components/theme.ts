/** Whether colours may be used (NO_COLOR, a dumb terminal): styles such as bold stay either way. */
import { createContext } from 'react';

export const ColorContext = createContext(true);
