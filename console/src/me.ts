import { createContext, useContext } from 'react';
import type { Me } from './session';

export const MeContext = createContext<Me | undefined>(undefined);
export const useMe = (): Me => {
  const me = useContext(MeContext);
  if (!me) throw new Error('not signed in');
  return me;
};
